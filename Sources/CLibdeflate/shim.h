// libdeflate (libdeflate-dev): whole-buffer gzip, three times as fast as zlib at the same ratio,
// for the .gz copies `compe build` writes beside every text output.
#include <libdeflate.h>
