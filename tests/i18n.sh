#!/bin/sh
# The catalogues against the sources: every word the module and the client
# can show is in po/pwadmin.pot and translated in every po/LANG.po, with
# nothing untranslated or fuzzy; the Japanese follows the manual's
# spelling; and no sentence for people is printed without a lookup.
# Prints what is wrong, one line each; exit 1 if anything is.
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
bad=0
say() { echo "i18n: $*"; bad=1; }

# the templates as the sources give them now (the Makefile's xgettext)
make -s --no-print-directory pot-only POTDIR="$tmp" >"$tmp/out" 2>&1 ||
    say "xgettext failed: $(cat "$tmp/out")"
mv "$tmp/pwadmin.pot" "$tmp/now.pot" 2>/dev/null

# the committed template holds exactly the messages of the sources
msgcmp --use-untranslated po/pwadmin.pot "$tmp/now.pot" >"$tmp/out" 2>&1 ||
    say "po/pwadmin.pot lacks messages of the sources (make pot):" \
        "$(grep -c 'this message is used but not defined' "$tmp/out")"
msgcmp --use-untranslated "$tmp/now.pot" po/pwadmin.pot >"$tmp/out" 2>&1 ||
    say "po/pwadmin.pot has messages the sources no longer use (make pot)"

# the demo's template too (tests/demo.sh)
msgcmp --use-untranslated po/pwadmin-demo.pot "$tmp/pwadmin-demo.pot" \
    >/dev/null 2>&1 &&
    msgcmp --use-untranslated "$tmp/pwadmin-demo.pot" po/pwadmin-demo.pot \
    >/dev/null 2>&1 || say "po/pwadmin-demo.pot is not current (make pot)"

for l in $(cat po/LINGUAS); do
	msgcmp po/demo-"$l".po "$tmp/pwadmin-demo.pot" >/dev/null 2>&1 ||
	    say "po/demo-$l.po: messages of tests/demo.sh not translated"
	msgfmt --check -o /dev/null po/demo-"$l".po 2>/dev/null ||
	    say "po/demo-$l.po: msgfmt --check failed"
	# a message used as a format is flagged so (xgettext --flag), and
	# its translation checked; one that is not must hold no directive
	msgattrib --no-obsolete po/"$l".po 2>/dev/null | awk -v po="po/$l.po" '
		/^$/ { fl = ""; str = 0 }
		/^#,/ { fl = $0 }
		/^msgstr/ { str = 1 }
		/^msgid/ { str = 0 }
		str && fl !~ /c-format/ && /%/ {
			printf "i18n: %s: %s has a directive, but its message " \
			    "is not a format\n", po, $0
			bad = 1 }
		END { exit bad }' || bad=1
done

for l in $(cat po/LINGUAS); do
	po=po/$l.po
	# every message of the sources translated, none fuzzy
	msgcmp "$po" "$tmp/now.pot" >"$tmp/out" 2>&1 || {
		say "$po: messages not translated:"
		grep 'used but not defined' "$tmp/out" | sed 's/^/    /' |
		    head -n 20
	}
	msgfmt --check --statistics -o /dev/null "$po" 2>"$tmp/stat" ||
	    say "$po: msgfmt --check failed: $(cat "$tmp/stat")"
	grep -Eq 'untranslated|fuzzy' "$tmp/stat" &&
	    say "$po: $(cat "$tmp/stat")"
	# prompts end in ": " in every language (expect-style tools)
	msgattrib --no-obsolete "$po" 2>/dev/null | awk -v po="$po" '
		/^msgid "/ { id = $0; sub(/^msgid "/, "", id); sub(/"$/, "", id) }
		/^msgstr "/ { s = $0; sub(/^msgstr "/, "", s); sub(/"$/, "", s)
			if (id ~ /: $/ && s != "" && s !~ /: $/) {
				printf "i18n: %s: prompt \"%s\" does not end in \": \"\n", po, s
				bad = 1 } }
		END { exit bad }' || bad=1
done

# the manual writes ユーザ, never ユーザー (translations, not comments)
if grep -n '^msgstr.*ユーザー' po/ja.po; then
	say "po/ja.po: write ユーザ as the manual does"
fi

# no sentence for people printed without a lookup: a string literal with
# two words handed straight to a print call in the client or the module
grep -nE '(printf|fputs|puts|pam_error|pam_info|output_error|set_err|said)\((stderr, |stdout, |fp, |pamh, |c, |x, doc, )?"[A-Za-z][a-z]* [a-z]' \
    client/*.c pam_module/*.c >"$tmp/raw" 2>/dev/null
if [ -s "$tmp/raw" ]; then
	say "words printed without a lookup (wrap them in _()):"
	sed 's/^/    /' "$tmp/raw"
fi
exit $bad
