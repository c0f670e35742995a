# nstools: build, install and uninstall, the way distribution packagers expect.
#
#   make                      static release binaries (the project's cargo configuration builds
#                             for x86_64-unknown-linux-musl: they start in about half the time
#                             of a dynamic build)
#   make install              binaries, man pages and bash/zsh/fish completions
#   make uninstall            remove exactly what install put there
#   make install-cni          nsveth as a CNI plugin: a link CNI_DIR/nsveth (/opt/cni/bin; Debian's
#                             runtimes also look in /usr/lib/cni) to the installed nsveth, or
#                             to the multicall nstools with CNI_TOOL=nstools; uninstall-cni
#   make demo | test          examples/demo.sh | README's test command
#
# Variables: PREFIX (/usr/local), DESTDIR, BINDIR, MANDIR, BASHCOMPDIR, ZSHCOMPDIR, FISHCOMPDIR,
# BUILT (a directory of already built binaries: install then builds nothing).
#
# Names we share with other packages are installed only when asked for, since they would
# replace those commands for the whole machine:
#   NSENTER=1        also install nsenter (util-linux has one)
#   SETUID=1         install nsidmap setuid-root (it is written for it: see nsidmap(1))
#   SETCAP=1         or give it cap_setuid,cap_setgid instead (needs setcap)
#   SHADOW_NAMES=1   also install newuidmap/newgidmap as links to nsidmap (shadow has them);
#                    needs SETUID=1 or SETCAP=1, since shadow's names are used by unprivileged
#                    callers (util-linux unshare --map-users, rootless Podman)

PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
CARGO       ?= cargo
TARGET      ?= x86_64-unknown-linux-musl
INSTALL     ?= install
CNI_DIR     ?= /opt/cni/bin
CNI_TOOL    ?= nsveth

# The tools are the binaries in src/bin; the ones whose names belong to other packages are left
# out unless asked for.
ALL_TOOLS := $(sort $(basename $(notdir $(wildcard src/bin/*.rs))))
SHARED    := nsenter
TOOLS     := $(filter-out $(SHARED),$(ALL_TOOLS)) $(if $(NSENTER),nsenter)
SHADOW    := newuidmap newgidmap

# `make install` builds only when nothing is built yet (`make && sudo make install` needs no
# cargo for root); with BUILT given it never builds.
ifeq ($(BUILT),)
BUILT := target/$(TARGET)/release
ifeq ($(wildcard $(BUILT)/nstools),)
install: build
endif
endif

.PHONY: all build install uninstall install-cni uninstall-cni demo test check-shadow-names
all: build

build:
	@scripts/prerequisites.sh build
	$(CARGO) build --release --locked

# One tool: its binary, its man page (section 1 or 8) and its three completions.
define install_tool
	$(INSTALL) -m 755 $(BUILT)/$(1) $(DESTDIR)$(BINDIR)/$(1)
	for m in man/$(1).[18]; do s=$${m##*.}; \
		$(INSTALL) -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/$(1).$$s || exit 1; done
	$(INSTALL) -m 644 completions/bash/$(1) $(DESTDIR)$(BASHCOMPDIR)/$(1)
	$(INSTALL) -m 644 completions/zsh/_$(1) $(DESTDIR)$(ZSHCOMPDIR)/_$(1)
	$(INSTALL) -m 644 completions/fish/$(1).fish $(DESTDIR)$(FISHCOMPDIR)/$(1).fish

endef

install: check-shadow-names
	@for t in $(TOOLS); do [ -x $(BUILT)/$$t ] || { \
		echo "make install: $(BUILT)/$$t is missing: run 'make' first" >&2; exit 1; }; done
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	$(foreach t,$(TOOLS),$(call install_tool,$(t)))
ifneq ($(SETUID),)
	chown 0:0 $(DESTDIR)$(BINDIR)/nsidmap
	chmod 4755 $(DESTDIR)$(BINDIR)/nsidmap
endif
ifneq ($(SETCAP),)
	setcap cap_setuid,cap_setgid+ep $(DESTDIR)$(BINDIR)/nsidmap
endif
ifneq ($(SHADOW_NAMES),)
	for n in $(SHADOW); do ln -sf nsidmap $(DESTDIR)$(BINDIR)/$$n; done
endif
	@scripts/shadowed.sh "$(BINDIR)" $(ALL_TOOLS) $(SHADOW) -- \
		$(TOOLS) $(if $(SHADOW_NAMES),$(SHADOW))

check-shadow-names:
ifneq ($(SHADOW_NAMES),)
ifeq ($(SETUID)$(SETCAP),)
	@echo "make install: SHADOW_NAMES=1 needs SETUID=1 or SETCAP=1: newuidmap and newgidmap run for unprivileged users, and an unprivileged nsidmap under those names would break rootless containers for everyone" >&2
	@exit 1
endif
endif

# Remove what install put there; a shared name only when it is ours.
uninstall:
	for t in $(filter-out $(SHARED),$(ALL_TOOLS)); do \
		rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(MANDIR)/man1/$$t.1 \
			$(DESTDIR)$(MANDIR)/man8/$$t.8 $(DESTDIR)$(BASHCOMPDIR)/$$t \
			$(DESTDIR)$(ZSHCOMPDIR)/_$$t $(DESTDIR)$(FISHCOMPDIR)/$$t.fish; done
	for t in $(SHARED); do \
		if $(DESTDIR)$(BINDIR)/$$t --version 2>/dev/null | grep -q 'from nstools'; then \
			rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(MANDIR)/man1/$$t.1 \
				$(DESTDIR)$(BASHCOMPDIR)/$$t $(DESTDIR)$(ZSHCOMPDIR)/_$$t \
				$(DESTDIR)$(FISHCOMPDIR)/$$t.fish; fi; done
	for n in $(SHADOW); do \
		[ "$$(readlink $(DESTDIR)$(BINDIR)/$$n)" != nsidmap ] || rm -f $(DESTDIR)$(BINDIR)/$$n; done

# CNI runtimes execute plugins by file name from their plugin directories: the link is named
# nsveth whatever it points at (the multicall binary dispatches on that name).
install-cni:
	@[ -x $(DESTDIR)$(BINDIR)/$(CNI_TOOL) ] || { \
		echo "make install-cni: $(DESTDIR)$(BINDIR)/$(CNI_TOOL) is missing: run 'make install' first" >&2; exit 1; }
	$(INSTALL) -d $(DESTDIR)$(CNI_DIR)
	ln -sfn $(BINDIR)/$(CNI_TOOL) $(DESTDIR)$(CNI_DIR)/nsveth

uninstall-cni:
	[ "$$(readlink $(DESTDIR)$(CNI_DIR)/nsveth)" != $(BINDIR)/$(CNI_TOOL) ] || rm -f $(DESTDIR)$(CNI_DIR)/nsveth

demo:
	examples/demo.sh

test:
	@scripts/prerequisites.sh build
	$(CARGO) test
