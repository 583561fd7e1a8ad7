// Discount (libmarkdown2-dev, 2.2.x): the C Markdown renderer behind CompeContent.Markdown.
#include <stdio.h>
#include <mkdio.h>
