# pwadmin: PAM module, daemon and client.  One GNU Makefile, no autotools.
#
#   make            build everything into build/ (SAN=1: build-san/)
#   make demo       install missing packages, build, walk through the scenarios
#                   (in Japanese: make demo-ja, or LANG=ja_JP.UTF-8 make demo)
#   make check      install missing packages, lint, build, run every test (plain + ASan/UBSan)
#   make bench      print the performance figures (not a test; another
#                   Argon2 cost: make bench PWBENCH_MEM_KIB=16384)
#   make fuzz       run each libFuzzer harness for FUZZ_SECONDS (default 60)
#   make pot        extract po/pwadmin.pot from the sources (then msgmerge)
#   make install    PREFIX, DESTDIR, SYSCONFDIR, PAMDIR, UNITDIR, SYSUSERSDIR,
#                   PAMCONFIGDIR, LOCALEDIR honoured; no chown (see README)
#   make deb        the Debian packages (debian/) into build/deb/, built from
#                   a copy of the tracked files; lintian must pass

PREFIX	   ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR	   ?= $(PREFIX)/bin
SBINDIR	   ?= $(PREFIX)/sbin
MANDIR	   ?= $(PREFIX)/share/man
DOCDIR	   ?= $(PREFIX)/share/doc/pwadmin
LOCALEDIR  ?= $(PREFIX)/share/locale
PKG_CONFIG ?= pkg-config
# PAM modules go where libpam looks, whatever PREFIX: Linux-PAM's pam.pc
# names its libdir (/lib/x86_64-linux-gnu on Debian 12, so modules land
# beside pam_unix.so); without it, the compiler's multiarch triplet.
ifeq ($(origin PAMDIR),undefined)
PAM_LIBDIR := $(shell $(PKG_CONFIG) --variable=libdir pam 2>/dev/null)
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)
PAMDIR	   := $(or $(PAM_LIBDIR),/lib$(if $(MULTIARCH),/$(MULTIARCH)))/security
endif
# systemd units and sysusers.d: the system's own directories for PREFIX=/usr
# (a package), else PREFIX/lib/... (systemd also reads /usr/local/lib).
ifeq ($(PREFIX),/usr)
UNITDIR	   ?= $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
SYSUSERSDIR ?= $(or $(shell $(PKG_CONFIG) --variable=sysusersdir systemd 2>/dev/null),/usr/lib/sysusers.d)
else
UNITDIR	   ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
endif
# pam-auth-update(8) reads its profiles from this one directory.
PAMCONFIGDIR ?= /usr/share/pam-configs
CONFFILE   := $(SYSCONFDIR)/pwadmin/pwadmind.conf

CC	   ?= cc
WERROR	   ?= -Werror
SAN	   ?= 0
# Build directory (SAN=1 appends -san); a second work tree or helper can
# build beside the first with BUILD=build-x.
BUILD	   ?= build

WARN := -std=c11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) -Wpedantic -Wformat=2 \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations \
	-Wpointer-arith -Wcast-qual -Wwrite-strings -Wnull-dereference \
	-Wimplicit-fallthrough -Wvla -Wundef -Wconversion -Wno-sign-conversion
ifeq ($(SAN),1)
B	  := $(BUILD)-san
OPT	  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	     -fno-sanitize-recover=all
SANLD	  := -fsanitize=address,undefined
else
B	  := $(BUILD)
OPT	  := -O2 -g -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3
SANLD	  :=
endif
HARDEN := -fstack-protector-strong -fstack-clash-protection -fcf-protection \
	-ftrivial-auto-var-init=zero -fzero-call-used-regs=used -fPIC
LDHARDEN := -Wl,-z,relro,-z,now,-z,noexecstack -Wl,--as-needed $(SANLD)

# libcrypt (libxcrypt): the daemon verifies imported /etc/shadow hashes.
DEP_PKGS := libsodium lmdb libpq jansson libsystemd liboath libcrypt
# The client's own libraries (the QR code of otp enroll); never the module's.
CLIENT_PKGS := libqrencode
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(DEP_PKGS) $(CLIENT_PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(DEP_PKGS) 2>/dev/null)
CLIENT_LIBS = $(shell $(PKG_CONFIG) --libs $(CLIENT_PKGS) 2>/dev/null)
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka libpamtest 2>/dev/null)
TEST_LIBS   = $(shell $(PKG_CONFIG) --libs cmocka libpamtest 2>/dev/null)

# The caller's CPPFLAGS, CFLAGS and LDFLAGS (dpkg-buildflags' in a Debian
# build) come first, so they add flags but never weaken the project's:
# -Wformat=2 stays after a -Wformat, _FORTIFY_SOURCE=3 after a =2.
ALL_CFLAGS  = $(CPPFLAGS) $(CFLAGS) $(WARN) $(OPT) $(HARDEN) -MMD -MP \
	-Icommon $(PKG_CFLAGS) \
	-DPWD_CONF_DEFAULT='"$(CONFFILE)"' -DPW_LOCALEDIR='"$(LOCALEDIR)"'
ALL_LDFLAGS = $(LDFLAGS) $(LDHARDEN)

COMMON_SRC := $(wildcard common/*.c)
MODULE_SRC := $(filter-out pam_module/pam_pwadmin.c,$(wildcard pam_module/*.c))
DAEMON_SRC := $(filter-out daemon/pwadmind.c,$(wildcard daemon/*.c))
CLIENT_SRC := $(filter-out client/pwadmin.c,$(wildcard client/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
INTEG_SRC  := $(wildcard tests/integration/test_*.c)
TLIB_SRC   := $(wildcard tests/lib/*.c)
BENCH_SRC  := $(wildcard tests/bench/*.c)
# System tests drive the plain build from outside (sshd, make install,
# pam-auth-update): run once, with the plain build only.
SYS_TESTS  := $(if $(filter 0,$(SAN)),$(wildcard tests/system/test_*.sh))

obj = $(patsubst %.c,$(B)/%.o,$(1))

LIBCOMMON := $(B)/libcommon.a
LIBDAEMON := $(B)/libdaemon.a
LIBCLIENT := $(B)/libclient.a
LIBMODULE := $(B)/libmodule.a
MODULE	  := $(B)/pam_pwadmin.so
DAEMON	  := $(B)/pwadmind
CLIENT	  := $(B)/pwadmin
UNIT_BINS  := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
INTEG_BINS := $(patsubst tests/integration/%.c,$(B)/itest/%,$(INTEG_SRC))
BENCH_BINS := $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCH_SRC))

# Catalogues (po/LINGUAS): built beside the programs into $(B)/locale/,
# where an uninstalled build finds them (common/i18n.h); installed under
# LOCALEDIR.  msgfmt --check refuses a translation whose format
# directives differ from its message's.
LINGUAS	   := $(shell cat po/LINGUAS)
MO_FILES   := $(patsubst %,$(B)/locale/%/LC_MESSAGES/pwadmin.mo,$(LINGUAS))
# The sources of every word the module and the client show.
I18N_SRC   := $(sort $(wildcard common/*.c pam_module/*.c client/*.c))
# The project's own printf-like functions are named, so that msgfmt
# --check compares every translation used as a format with its message.
XGETTEXT   := xgettext --language=C --from-code=UTF-8 --keyword=_ \
	--keyword=N_ --keyword=pw_ntr:1,2 --add-comments=TRANSLATORS: \
	--flag=set_err:2:c-format --flag=output_error:1:c-format \
	--flag=said:3:c-format --flag=summary_line:4:c-format \
	--package-name=pwadmin --msgid-bugs-address=pwadmin --sort-by-file
# The demo's story (tests/demo.sh) has a catalogue of its own, never
# installed: text domain pwadmin-demo, po/demo-LANG.po.
DEMO_MO	   := $(patsubst %,$(B)/locale/%/LC_MESSAGES/pwadmin-demo.mo,$(LINGUAS))
XGETTEXT_SH := xgettext --language=Shell --from-code=UTF-8 --keyword=gettext \
	--keyword=eval_gettext --add-comments=TRANSLATORS: \
	--package-name=pwadmin-demo --msgid-bugs-address=pwadmin --sort-by-file

.PHONY: all deps check check-run demo demo-ja bench install uninstall clean \
	deb lint format format-check tests fuzz fuzz-check fuzz-seeds pot pot-only
.DELETE_ON_ERROR:

all: $(MODULE) $(DAEMON) $(CLIENT) $(MO_FILES)

# 0755 whatever the umask: a group-writable catalogue directory is not
# trusted (common/i18n.h).
$(B)/locale/%/LC_MESSAGES/pwadmin.mo: po/%.po
	@umask 022 && mkdir -p $(@D)
	msgfmt --check --statistics -o $@ $<
$(B)/locale/%/LC_MESSAGES/pwadmin-demo.mo: po/demo-%.po
	@umask 022 && mkdir -p $(@D)
	msgfmt --check --statistics -o $@ $<

# pot-only: the templates into POTDIR (tests/i18n.sh compares a fresh
# pair with po/); pot: into po/, merged into every translation.
POTDIR ?= po
pot-only:
	$(XGETTEXT) -o $(POTDIR)/pwadmin.pot $(I18N_SRC)
	$(XGETTEXT_SH) -o $(POTDIR)/pwadmin-demo.pot tests/demo.sh

pot: pot-only
	@for l in $(LINGUAS); do \
		msgmerge --quiet --update --backup=none po/$$l.po po/pwadmin.pot && \
		msgmerge --quiet --update --backup=none po/demo-$$l.po \
			po/pwadmin-demo.pot || exit 1; done

deps:
	@tests/deps.sh

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Unit and integration tests: cmocka, looser prototype rules for test files.
$(B)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Idaemon -Iclient -Itests/lib \
		-Wno-missing-prototypes -Wno-missing-declarations -Wno-conversion \
		-Wno-format-truncation \
		-c -o $@ $<

$(LIBCOMMON): $(call obj,$(COMMON_SRC))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBDAEMON): $(call obj,$(DAEMON_SRC))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBCLIENT): $(call obj,$(CLIENT_SRC))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBMODULE): $(call obj,$(MODULE_SRC))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(MODULE): $(B)/pam_module/pam_pwadmin.o $(LIBMODULE) $(LIBCOMMON) pam_module/pam_pwadmin.map
	$(CC) -shared $(ALL_CFLAGS) -Wl,-z,defs \
		-Wl,--version-script=pam_module/pam_pwadmin.map $(ALL_LDFLAGS) \
		-o $@ $(B)/pam_module/pam_pwadmin.o $(LIBMODULE) $(LIBCOMMON) -lpam
$(DAEMON): $(B)/daemon/pwadmind.o $(LIBDAEMON) $(LIBCOMMON)
	$(CC) -pie $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread
$(CLIENT): $(B)/client/pwadmin.o $(LIBCLIENT) $(LIBCOMMON)
	$(CC) -pie $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CLIENT_LIBS)

# The unit tests' one fixture (a temp dir, a store in it) is in each.
UNIT_FIXTURE := $(B)/tests/unit/fixture.o $(B)/tests/unit/client_fixture.o
$(UNIT_BINS): $(B)/tests/%: $(B)/tests/unit/%.o $(UNIT_FIXTURE) $(LIBDAEMON) $(LIBCLIENT) $(LIBMODULE) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) -pie $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CLIENT_LIBS) $(TEST_LIBS) -lpam -lpthread
$(INTEG_BINS): $(B)/itest/%: $(B)/tests/integration/%.o $(call obj,$(TLIB_SRC)) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) -pie $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS) -lpam -lpthread
$(B)/tests/lib/%.o: tests/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Wno-conversion -Wno-format-truncation \
		-DTH_SRCDIR='"$(CURDIR)"' -c -o $@ $<
$(B)/bench/%: tests/bench/%.c $(call obj,$(TLIB_SRC)) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Itests/lib -Wno-conversion \
		-Wno-format-truncation -pie \
		$(ALL_LDFLAGS) -o $@ $(filter-out %.h,$^) $(PKG_LIBS) $(TEST_LIBS) -lpam -lpthread -lm

# A test-only NSS shim (LD_PRELOAD) that folds case: never sanitised, it
# runs inside instrumented and plain test programs alike.
SHIMS := $(B)/tests/libfoldcase.so $(B)/tests/libspnam.so
$(B)/tests/lib%.so: tests/shim/%.c
	@mkdir -p $(@D)
	$(CC) -shared -fPIC $(WARN) -O2 -o $@ $< -ldl

# The syslog(3) preload that collects the module's log lines under the
# integration tests (tests/lib/harness.h), plain for the same reason.
PRELOADS := $(B)/tests/lib/th_syslog.so
$(B)/tests/lib/th_syslog.so: tests/lib/preload/th_syslog.c
	@mkdir -p $(@D)
	$(CC) -shared -fPIC $(WARN) -O2 -U_FORTIFY_SOURCE -o $@ $<

tests: all $(UNIT_BINS) $(INTEG_BINS) $(SHIMS) $(PRELOADS)

# The plain build, then the ASan + UBSan build, each running every test.
# Each build runs JOBS compilers at once (one per CPU); the tests after it
# run one at a time (several measure time or hold machine-wide state).
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
check: deps
	$(MAKE) lint
	$(MAKE) -j$(JOBS) $(FUZZ_BINS)
	$(MAKE) fuzz-check
	$(MAKE) -j$(JOBS) tests
	$(MAKE) check-run
	$(MAKE) -j$(JOBS) SAN=1 tests
	$(MAKE) SAN=1 check-run
	@echo "make check: all tests passed (plain and ASan+UBSan builds)"

# The integration suite's second pass on PostgreSQL runs in the plain build
# (the sanitizers see the same code in test_fleet, which runs in both).
check-run: tests
	PWTEST_PG_PASS=$(if $(filter 0,$(SAN)),1,0) tests/run.sh $(B) $(UNIT_BINS) \
		$(INTEG_BINS) $(SYS_TESTS)

demo: deps
	$(MAKE) -j$(JOBS) all $(DEMO_MO)
	tests/demo.sh build

demo-ja: deps
	$(MAKE) -j$(JOBS) all $(DEMO_MO)
	LANG=ja_JP.UTF-8 LC_ALL= LC_MESSAGES= LANGUAGE= tests/demo.sh build

bench: deps
	$(MAKE) -j$(JOBS) all $(BENCH_BINS) $(SHIMS)
	tests/bench.sh build

lint:
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
		--suppress=missingIncludeSystem -Icommon common daemon client pam_module
	mandoc -Tlint -Wwarning pam_module/*.8 daemon/*.8 client/*.1 conf/*.5

format:
	clang-format -i $(wildcard */*.c */*.h tests/*/*.c tests/*/*.h)
format-check:
	clang-format --dry-run --Werror $(wildcard */*.c */*.h tests/*/*.c tests/*/*.h)

# Installs what a host needs; the configuration only if there is none yet
# (an administrator's edits are never overwritten).  As root on the real
# root, it also creates the daemon's user and reloads systemd; it never
# enables or starts anything, nor touches /etc/pam.d.
INSTALL_DIRS = $(PAMDIR) $(SBINDIR) $(BINDIR) $(MANDIR)/man1 $(MANDIR)/man5 \
	$(MANDIR)/man8 $(UNITDIR) $(SYSUSERSDIR) $(PAMCONFIGDIR) \
	$(SYSCONFDIR)/pwadmin $(DOCDIR)/examples \
	$(patsubst %,$(LOCALEDIR)/%/LC_MESSAGES,$(LINGUAS))

install: all
	@# directories only where missing: an existing one keeps its mode
	@for d in $(INSTALL_DIRS); do \
		[ -d "$(DESTDIR)$$d" ] || install -d -m 0755 "$(DESTDIR)$$d" || exit 1; \
	done
	install -m 0644 $(MODULE) $(DESTDIR)$(PAMDIR)/pam_pwadmin.so
	install -m 0755 $(DAEMON) $(DESTDIR)$(SBINDIR)/pwadmind
	install -m 0755 $(CLIENT) $(DESTDIR)$(BINDIR)/pwadmin
	install -m 0644 client/pwadmin.1 $(DESTDIR)$(MANDIR)/man1/pwadmin.1
	install -m 0644 conf/pwadmind.conf.5 $(DESTDIR)$(MANDIR)/man5/pwadmind.conf.5
	install -m 0644 pam_module/pam_pwadmin.8 $(DESTDIR)$(MANDIR)/man8/pam_pwadmin.8
	install -m 0644 daemon/pwadmind.8 $(DESTDIR)$(MANDIR)/man8/pwadmind.8
	sed 's|@SBINDIR@|$(SBINDIR)|g' conf/systemd/pwadmind.service.in \
		>$(DESTDIR)$(UNITDIR)/pwadmind.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/pwadmind.service
	install -m 0644 conf/systemd/pwadmind.socket $(DESTDIR)$(UNITDIR)/pwadmind.socket
	install -m 0644 conf/systemd/pwadmin.sysusers $(DESTDIR)$(SYSUSERSDIR)/pwadmin.conf
	install -m 0644 conf/pam-configs/pwadmin $(DESTDIR)$(PAMCONFIGDIR)/pwadmin
	install -m 0644 conf/systemd/pwadmind-postgresql.conf \
		$(DESTDIR)$(DOCDIR)/examples/pwadmind-postgresql.conf
	@for l in $(LINGUAS); do \
		echo "install -m 0644 $(B)/locale/$$l/LC_MESSAGES/pwadmin.mo $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/pwadmin.mo"; \
		install -m 0644 $(B)/locale/$$l/LC_MESSAGES/pwadmin.mo \
			$(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/pwadmin.mo || exit 1; \
	done
	@if [ -e $(DESTDIR)$(CONFFILE) ]; then \
		echo "$(DESTDIR)$(CONFFILE) exists: kept (the new defaults are in pwadmind.conf(5))"; \
	else \
		echo "install -m 0644 conf/pwadmind.conf $(DESTDIR)$(CONFFILE)"; \
		install -m 0644 conf/pwadmind.conf $(DESTDIR)$(CONFFILE); \
	fi
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ]; then \
		if command -v systemd-sysusers >/dev/null; then \
			echo "systemd-sysusers $(SYSUSERSDIR)/pwadmin.conf"; \
			systemd-sysusers $(SYSUSERSDIR)/pwadmin.conf; \
		fi; \
		if [ -d /run/systemd/system ]; then \
			echo "systemctl daemon-reload; systemctl try-restart pwadmind.service"; \
			systemctl daemon-reload; \
			systemctl try-restart pwadmind.service; \
		fi; \
		echo "Next: systemctl enable --now pwadmind.socket, pwadmin init --master USER,"; \
		echo "then the PAM stacks: see pam_pwadmin(8) and pam-auth-update --enable pwadmin."; \
	fi

# The Debian packages, built outside the work tree (tests/deb.sh), into
# $(BUILD)/deb/ with their build log; lintian fails the target on an error
# or a warning not overridden in debian/.
deb: deps
	tests/deb.sh $(BUILD)/deb

# Removes what install put there, except the configuration and the store.
# On the real root it first takes the profile out of the common-* stacks,
# and refuses while a PAM stack still names the module: a stack naming a
# module that is gone refuses every login, root's too.
uninstall:
	@if [ -z "$(DESTDIR)" ]; then \
		if [ -f $(PAMCONFIGDIR)/pwadmin ] && command -v pam-auth-update >/dev/null; then \
			echo "pam-auth-update --package --remove pwadmin"; \
			pam-auth-update --package --remove pwadmin || exit 1; \
		fi; \
		if used=$$(grep -l pam_pwadmin /etc/pam.d/* 2>/dev/null); then \
			echo "make uninstall: refused: these PAM stacks still use" \
			    "pam_pwadmin.so, and would refuse every login without it:" $$used >&2; \
			exit 1; \
		fi; \
		if [ -d /run/systemd/system ]; then \
			echo "systemctl disable --now pwadmind.socket pwadmind.service"; \
			systemctl disable --now pwadmind.socket pwadmind.service; \
		fi; \
	fi
	rm -f $(DESTDIR)$(PAMDIR)/pam_pwadmin.so $(DESTDIR)$(SBINDIR)/pwadmind \
		$(DESTDIR)$(BINDIR)/pwadmin $(DESTDIR)$(MANDIR)/man1/pwadmin.1 \
		$(DESTDIR)$(MANDIR)/man5/pwadmind.conf.5 \
		$(DESTDIR)$(MANDIR)/man8/pam_pwadmin.8 \
		$(DESTDIR)$(MANDIR)/man8/pwadmind.8 \
		$(DESTDIR)$(UNITDIR)/pwadmind.service \
		$(DESTDIR)$(UNITDIR)/pwadmind.socket \
		$(DESTDIR)$(SYSUSERSDIR)/pwadmin.conf \
		$(DESTDIR)$(PAMCONFIGDIR)/pwadmin \
		$(DESTDIR)$(DOCDIR)/examples/pwadmind-postgresql.conf \
		$(patsubst %,$(DESTDIR)$(LOCALEDIR)/%/LC_MESSAGES/pwadmin.mo,$(LINGUAS))
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		systemctl daemon-reload; \
	fi

# ==== Fuzzing ====
# libFuzzer harnesses (tests/fuzz/fuzz_*.c), built by clang with ASan and
# UBSan from the sources themselves (not the gcc objects) into $(BUILD)/fuzz/.
#   make fuzz        runs each for FUZZ_SECONDS from a temporary copy of its
#                    seeds (tests/fuzz/corpus/NAME/), then prints executions
#   make fuzz-check  the same for FUZZ_CHECK_SECONDS each (make check runs it)
#   make fuzz-seeds  rewrites the seeds with the project's own encoders
# A crash, leak or sanitizer report fails the run; the input that caused it
# is kept in $(BUILD)/fuzz/artifacts/NAME/.  Nothing is written into the tree.
FUZZ_CC		   ?= clang
FUZZ_SECONDS	   ?= 60
FUZZ_CHECK_SECONDS ?= 5
FUZZ_NAMES	   := proto_req proto_reply store conf stdin
FZ		   := $(BUILD)/fuzz
FUZZ_BINS	   := $(patsubst %,$(FZ)/fuzz_%,$(FUZZ_NAMES))
FUZZ_SAN	   := -fsanitize=address,undefined -fno-sanitize-recover=all
# The project's warnings; clang's -Wformat=2 also flags the vsnprintf of a
# va_list in daemon/log.c's static helper, which gcc accepts.
FUZZ_CFLAGS	    = $(WARN) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link -MMD -MP -Icommon -Idaemon -Iclient \
	-Itests/fuzz $(PKG_CFLAGS) -DPWD_CONF_DEFAULT='"$(CONFFILE)"'
# What each harness links besides its own file, fuzz.c and common/.
FUZZ_USES_proto_req   :=
FUZZ_USES_proto_reply :=
FUZZ_USES_store	      := daemon/store_codec.c daemon/log.c \
	daemon/stats.c daemon/verify.c daemon/unixhash.c
FUZZ_USES_conf	      := daemon/conf.c
FUZZ_USES_stdin	      := client/prompt.c client/output.c client/cli.c
fuzzobj = $(patsubst %.c,$(FZ)/obj/%.o,$(1))

$(FZ)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

define FUZZ_LINK
$(FZ)/fuzz_$(1): $(call fuzzobj,tests/fuzz/fuzz_$(1).c tests/fuzz/fuzz.c \
	$(FUZZ_USES_$(1)) $(COMMON_SRC))
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -fsanitize=fuzzer -Wl,--as-needed -o $$@ \
		$$^ $$(PKG_LIBS) -lpthread
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call FUZZ_LINK,$(n))))

fuzz: $(FUZZ_BINS)
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FZ) $(FUZZ_NAMES)

fuzz-check: $(FUZZ_BINS)
	tests/fuzz/run.sh $(FUZZ_CHECK_SECONDS) $(FZ) $(FUZZ_NAMES)

# The seed generator is an ordinary program on the gcc build's libraries.
$(B)/fuzz-seeds: tests/fuzz/seeds.c $(LIBDAEMON) $(LIBCOMMON)
	$(CC) $(ALL_CFLAGS) -Idaemon -Itests/fuzz -pie $(ALL_LDFLAGS) -o $@ \
		$(filter %.c,$^) $(LIBDAEMON) $(LIBCOMMON) $(PKG_LIBS) -lpthread

fuzz-seeds: $(B)/fuzz-seeds
	$(B)/fuzz-seeds tests/fuzz/corpus

clean:
	rm -rf $(BUILD) $(BUILD)-san

-include $(shell find $(BUILD) $(BUILD)-san -name '*.d' 2>/dev/null)
