/* Checks of request bodies before anything is parsed or solved (docs/api.md, "Limits"). */
#include "server.h"

int srv_json_depth_exceeds(const char *text, size_t len, int max_depth)
{
    int depth = 0, in_str = 0;
    for (size_t k = 0; k < len; k++) {
        const char ch = text[k];
        if (in_str) {
            if (ch == '\\')
                k++; /* the escaped character cannot end the string */
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '[' || ch == '{') {
            if (++depth > max_depth)
                return depth;
        } else if (ch == ']' || ch == '}') {
            if (depth > 0)
                depth--;
        }
    }
    return 0;
}
