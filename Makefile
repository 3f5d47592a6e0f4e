# pwadmin: PAM module, daemon and client.  One GNU Makefile, no autotools.
#
#   make            build everything into build/ (SAN=1: build-san/)
#   make demo       install missing packages, build, walk through the scenarios
#   make check      install missing packages, lint, build, run every test (plain + ASan/UBSan)
#   make bench      print the performance figures (not a test)
#   make install    PREFIX, DESTDIR, SYSCONFDIR, PAMDIR honoured; no chown

PREFIX	   ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR	   ?= $(PREFIX)/bin
SBINDIR	   ?= $(PREFIX)/sbin
MANDIR	   ?= $(PREFIX)/share/man
PKG_CONFIG ?= pkg-config
PAMDIR	   ?= $(shell $(PKG_CONFIG) --variable=libdir pam 2>/dev/null || echo /lib)/security
UNITDIR	   ?= $(PREFIX)/lib/systemd/system

CC	   ?= cc
WERROR	   ?= -Werror
SAN	   ?= 0

WARN := -std=c11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) -Wpedantic -Wformat=2 \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations \
	-Wpointer-arith -Wcast-qual -Wwrite-strings -Wnull-dereference \
	-Wimplicit-fallthrough -Wvla -Wundef -Wconversion -Wno-sign-conversion
ifeq ($(SAN),1)
B	  := build-san
OPT	  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	     -fno-sanitize-recover=all
SANLD	  := -fsanitize=address,undefined
else
B	  := build
OPT	  := -O2 -g -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3
SANLD	  :=
endif
HARDEN := -fstack-protector-strong -fstack-clash-protection -fcf-protection \
	-ftrivial-auto-var-init=zero -fzero-call-used-regs=used -fPIC
LDHARDEN := -Wl,-z,relro,-z,now,-z,noexecstack -Wl,--as-needed $(SANLD)

DEP_PKGS := libsodium lmdb jansson libsystemd liboath
# The client's own libraries (the QR code of otp enroll); never the module's.
CLIENT_PKGS := libqrencode
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(DEP_PKGS) $(CLIENT_PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(DEP_PKGS) 2>/dev/null)
CLIENT_LIBS = $(shell $(PKG_CONFIG) --libs $(CLIENT_PKGS) 2>/dev/null)
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka libpamtest 2>/dev/null)
TEST_LIBS   = $(shell $(PKG_CONFIG) --libs cmocka libpamtest 2>/dev/null)

ALL_CFLAGS  = $(WARN) $(OPT) $(HARDEN) -MMD -MP -Icommon $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(LDHARDEN) $(LDFLAGS)

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

.PHONY: all deps check check-run demo bench install uninstall clean lint \
	format format-check tests
.DELETE_ON_ERROR:

all: $(MODULE) $(DAEMON) $(CLIENT)

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

$(UNIT_BINS): $(B)/tests/%: $(B)/tests/unit/%.o $(LIBDAEMON) $(LIBCLIENT) $(LIBMODULE) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) -pie $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CLIENT_LIBS) $(TEST_LIBS) -lpam -lpthread
$(INTEG_BINS): $(B)/itest/%: $(B)/tests/integration/%.o $(call obj,$(TLIB_SRC)) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) -pie $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS) -lpam -lpthread
$(B)/tests/lib/%.o: tests/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Wno-conversion -Wno-format-truncation -c -o $@ $<
$(B)/bench/%: tests/bench/%.c $(call obj,$(TLIB_SRC)) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Itests/lib -Wno-conversion -pie \
		$(ALL_LDFLAGS) -o $@ $(filter-out %.h,$^) $(PKG_LIBS) $(TEST_LIBS) -lpam -lpthread -lm

tests: all $(UNIT_BINS) $(INTEG_BINS)

# The plain build, then the ASan + UBSan build, each running every test.
check: deps
	$(MAKE) lint
	$(MAKE) check-run
	$(MAKE) SAN=1 check-run
	@echo "make check: all tests passed (plain and ASan+UBSan builds)"

check-run: tests
	tests/run.sh $(B) $(UNIT_BINS) $(INTEG_BINS) $(SYS_TESTS)

demo: deps
	$(MAKE) all
	tests/demo.sh build

bench: deps
	$(MAKE) all $(BENCH_BINS)
	tests/bench.sh build

lint:
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
		--suppress=missingIncludeSystem -Icommon common daemon client pam_module
	mandoc -Tlint -Wwarning pam_module/*.8 daemon/*.8 client/*.1 conf/*.5

format:
	clang-format -i $(wildcard */*.c */*.h tests/*/*.c tests/*/*.h)
format-check:
	clang-format --dry-run --Werror $(wildcard */*.c */*.h tests/*/*.c tests/*/*.h)

install: all
	install -D -m 0644 $(MODULE) $(DESTDIR)$(PAMDIR)/pam_pwadmin.so
	install -D -m 0755 $(DAEMON) $(DESTDIR)$(SBINDIR)/pwadmind
	install -D -m 0755 $(CLIENT) $(DESTDIR)$(BINDIR)/pwadmin
	install -D -m 0644 pam_module/pam_pwadmin.8 $(DESTDIR)$(MANDIR)/man8/pam_pwadmin.8
	install -D -m 0644 daemon/pwadmind.8 $(DESTDIR)$(MANDIR)/man8/pwadmind.8
	install -D -m 0644 client/pwadmin.1 $(DESTDIR)$(MANDIR)/man1/pwadmin.1
	install -D -m 0644 conf/pwadmind.conf.5 $(DESTDIR)$(MANDIR)/man5/pwadmind.conf.5
	install -D -m 0640 conf/pwadmind.conf $(DESTDIR)$(SYSCONFDIR)/pwadmin/pwadmind.conf

uninstall:
	rm -f $(DESTDIR)$(PAMDIR)/pam_pwadmin.so $(DESTDIR)$(SBINDIR)/pwadmind \
		$(DESTDIR)$(BINDIR)/pwadmin $(DESTDIR)$(MANDIR)/man8/pam_pwadmin.8 \
		$(DESTDIR)$(MANDIR)/man8/pwadmind.8 $(DESTDIR)$(MANDIR)/man1/pwadmin.1 \
		$(DESTDIR)$(MANDIR)/man5/pwadmind.conf.5

clean:
	rm -rf build build-san

-include $(shell find build build-san -name '*.d' 2>/dev/null)
