/* The floor for `Scripts/bench build`: read each page, skip its front matter, render the body
 * with Discount (compe's trusted flags, autolinking only text that could hold a link, as compe
 * does) and write it into out/<name>/index.html (out/ marked +T, as compe marks its output),
 * one thread.
 * usage: floor <pages dir> <out dir> */
#include <dirent.h>
#include <errno.h>
#include <mkdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* compe's Markdown.mayAutolink: an '@', or a ':' after http, https, news, ftp or mailto. */
static int may_autolink(const char *text, long len) {
    static const char *schemes[] = {"http", "https", "news", "ftp", "mailto"};
    if (memchr(text, '@', len)) return 1;
    for (const char *p = text; (p = memchr(p, ':', text + len - p)); p++)
        for (int k = 0; k < 5; k++) {
            long n = strlen(schemes[k]);
            if (p - text >= n && strncasecmp(p - n, schemes[k], n) == 0) return 1;
        }
    return 0;
}

static char *slurp(const char *path, long *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(*len + 1);
    if (fread(buf, 1, *len, f) != (size_t)*len) { fclose(f); free(buf); return NULL; }
    buf[*len] = 0;
    fclose(f);
    return buf;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: floor <pages> <out>\n"); return 2; }
    mkd_flag_t flags = MKD_FENCEDCODE | MKD_EXTRA_FOOTNOTE | MKD_TOC | MKD_IDANCHOR | MKD_GITHUBTAGS | MKD_AUTOLINK
                     | MKD_NOHEADER | MKD_NOSUPERSCRIPT | MKD_URLENCODEDANCHOR;
    mkd_initialize();
    mkd_with_html5_tags();
    mkdir(argv[2], 0755);
    int outfd = open(argv[2], O_RDONLY | O_DIRECTORY);
    int attrs = 0;
    if (outfd >= 0 && ioctl(outfd, FS_IOC_GETFLAGS, &attrs) == 0) {
        attrs |= FS_TOPDIR_FL;
        ioctl(outfd, FS_IOC_SETFLAGS, &attrs);
    }
    if (outfd >= 0) close(outfd);
    DIR *dir = opendir(argv[1]);
    if (!dir) { perror(argv[1]); return 1; }
    struct dirent *e;
    int pages = 0;
    char path[4096], out[4096];
    while ((e = readdir(dir))) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".md") != 0) continue;
        snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
        long len;
        char *text = slurp(path, &len);
        if (!text) { perror(path); return 1; }
        char *bodyStart = text;
        if (strncmp(text, "---\n", 4) == 0) {
            char *end = strstr(text + 4, "\n---\n");
            if (end) bodyStart = end + 5;
        }
        long bodyLen = text + len - bodyStart;
        mkd_flag_t docFlags = may_autolink(bodyStart, bodyLen) ? flags : (flags & ~(mkd_flag_t)MKD_AUTOLINK);
        MMIOT *doc = mkd_string(bodyStart, (int)bodyLen, docFlags);
        char *html = NULL;
        int size = 0;
        if (doc && mkd_compile(doc, docFlags)) size = mkd_document(doc, &html);
        e->d_name[n - 3] = 0;
        snprintf(out, sizeof out, "%s/%s", argv[2], e->d_name);
        if (mkdir(out, 0755) != 0 && errno != EEXIST) { perror(out); return 1; }
        snprintf(out, sizeof out, "%s/%s/index.html", argv[2], e->d_name);
        FILE *f = fopen(out, "wb");
        if (!f) { perror(out); return 1; }
        fputs("<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"></head><body><main>", f);
        if (size > 0) fwrite(html, 1, size, f);
        fputs("</main></body></html>\n", f);
        fclose(f);
        mkd_cleanup(doc);
        free(text);
        pages++;
    }
    closedir(dir);
    printf("floor: %d pages\n", pages);
    return 0;
}
