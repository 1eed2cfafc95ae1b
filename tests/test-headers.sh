#!/bin/sh
# The public header compiles on its own as strict C99 and as C++.
set -eu
inc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <gpuvirt/gpuvirt.h>\nint main(void) { return gpuvirt_version() == 0; }\n' > "$tmp/h.c"
cc -std=c99 -pedantic -Wall -Wextra -Werror -I"$inc" -c "$tmp/h.c" -o "$tmp/c.o"
cp "$tmp/h.c" "$tmp/h.cc"
c++ -std=c++11 -pedantic -Wall -Wextra -Werror -I"$inc" -c "$tmp/h.cc" -o "$tmp/cc.o"
for h in "$inc"/gpuvirt/*.h; do
	printf '#include <gpuvirt/%s>\n' "$(basename "$h")" > "$tmp/one.c"
	cc -std=c99 -pedantic -Wall -Wextra -Werror -I"$inc" -c "$tmp/one.c" -o "$tmp/one.o"
done
echo "headers: ok"
