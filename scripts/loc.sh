#!/usr/bin/env bash
# Lines of our own C# under src/ at two commits, per directory: non-blank lines that are not only a
# comment (//, ///, or inside /* */). Generated code is not in the repository, so it is not counted.
#
#   scripts/loc.sh A B [PATH...]     e.g. scripts/loc.sh 11e48e7 HEAD src/Agent/WorkloadApi src/Spiffe/WorkloadApi
#
# PATH limits the count to those directories or files (default: src). Prints one row per directory
# that has C# at either commit, then the total; the last column is B minus A.
set -euo pipefail

if [[ $# -lt 2 || $1 == -h || $1 == --help ]]; then
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit $(( $# < 2 ? 2 : 0 ))
fi

a=$1 b=$2
shift 2
paths=("$@")
[[ ${#paths[@]} -gt 0 ]] || paths=(src)
for commit in "$a" "$b"; do
    git rev-parse --verify --quiet "$commit^{commit}" >/dev/null || { echo "loc.sh: '$commit' is not a commit" >&2; exit 2; }
done

# Prints "directory lines" for every .cs file of commit $1 under the paths.
count() {
    git ls-tree -r --name-only "$1" -- "${paths[@]}" | grep '\.cs$' | while read -r file; do
        lines=$(git cat-file -p "$1:$file" | awk '
            { line = $0 }
            inblock { if (index(line, "*/") == 0) next; line = substr(line, index(line, "*/") + 2); inblock = 0 }
            {
                gsub(/^[ \t\r]+|[ \t\r]+$/, "", line)
                if (line ~ /^\/\*/) { if (index(line, "*/") == 0) { inblock = 1 } next }
                if (line == "" || line ~ /^\/\//) next
                n++
            }
            END { print n + 0 }')
        echo "$(dirname "$file") $lines"
    done | awk '{ sum[$1] += $2 } END { for (d in sum) print d, sum[d] }'
}

join -a1 -a2 -e 0 -o 0,1.2,2.2 <(count "$a" | sort) <(count "$b" | sort) |
    awk -v a="$a" -v b="$b" '
        BEGIN { printf "%-52s %8s %8s %8s\n", "directory", a, b, "change" }
        { printf "%-52s %8d %8d %+8d\n", $1, $2, $3, $3 - $2; ta += $2; tb += $3 }
        END { printf "%-52s %8d %8d %+8d\n", "total", ta, tb, tb - ta }'
