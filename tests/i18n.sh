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

# shellcheck disable=SC2046
xgettext --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ \
    --keyword=pw_ntr:1,2 --add-comments=TRANSLATORS: --package-name=pwadmin \
    --msgid-bugs-address=pwadmin --sort-by-file -o "$tmp/now.pot" \
    $(ls common/*.c pam_module/*.c client/*.c | sort) || say "xgettext failed"

# the committed template holds exactly the messages of the sources
msgcmp --use-untranslated po/pwadmin.pot "$tmp/now.pot" >"$tmp/out" 2>&1 ||
    say "po/pwadmin.pot lacks messages of the sources (make pot):" \
        "$(grep -c 'this message is used but not defined' "$tmp/out")"
msgcmp --use-untranslated "$tmp/now.pot" po/pwadmin.pot >"$tmp/out" 2>&1 ||
    say "po/pwadmin.pot has messages the sources no longer use (make pot)"

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
