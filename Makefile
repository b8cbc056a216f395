# followup - PGXS build.  `make test` and `make demo` set up everything they
# need (see README.md); the other targets are the usual PGXS ones.

EXTENSION = followup
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" followup.control)

MODULE_big = followup
CORE_OBJS = src/core/cadence.o src/core/decay.o src/core/render.o src/core/experiment.o
OBJS = src/followup.o src/cadence.o src/config_cache.o src/planner.o \
       src/triggers.o src/direct_write.o src/lead_write.o src/live_task.o src/statement_batch.o src/state_log.o src/jobs.o \
       src/operators.o src/complete_batch.o src/complete_lock.o src/task_claim.o src/task_fulfil.o src/render.o src/lead_functions.o src/rollup_marks.o src/columns.o src/kept_plan.o \
       src/domain.o src/lead.o src/rules.o src/task.o src/relations.o \
       src/calendar.o src/calendar_replan.o src/pressure.o src/pressure_touch.o \
       src/capacity.o src/capacity_claim.o src/forecast.o src/experiment.o $(CORE_OBJS)

# The install script is assembled from one file per concern, in this order.
SQL_SOURCES = src/sql/types.sql src/sql/settings.sql src/sql/config.sql \
              src/sql/data.sql src/sql/defaults.sql src/sql/functions.sql src/sql/jobs.sql src/sql/rollups.sql \
              src/sql/reports.sql src/sql/after_sale.sql src/sql/security.sql src/sql/distribute.sql src/sql/attach.sql \
              src/sql/write_api.sql src/sql/workers.sql src/sql/adopt.sql src/sql/quarantine.sql \
              src/sql/calendar.sql src/sql/pressure.sql src/sql/capacity.sql src/sql/forecast.sql src/sql/batch.sql src/sql/experiments.sql \
              src/sql/partitions.sql
# The install and upgrade scripts live at the top (sql/ and expected/ hold
# the regression suites only): followup--<version>.sql is built, the
# upgrade scripts followup--A--B.sql likewise, one per release.
DATA_built = $(EXTENSION)--$(EXTVERSION).sql $(EXTENSION)--0.1.0--0.2.0.sql
# The upgrade from 0.1.0: the changes to what 0.1.0 had (written by hand),
# the files new in 0.2.0 as they are, then what roles granted under 0.1.0
# get now.
UPGRADE_FROM_0_1_0 = src/sql/upgrade/0.1.0--0.2.0.sql src/sql/after_sale.sql src/sql/distribute.sql src/sql/attach.sql \
                     src/sql/write_api.sql src/sql/workers.sql src/sql/adopt.sql src/sql/quarantine.sql \
                     src/sql/calendar.sql src/sql/pressure.sql src/sql/capacity.sql src/sql/forecast.sql src/sql/batch.sql src/sql/experiments.sql \
                     src/sql/partitions.sql \
                     src/sql/upgrade/0.1.0--0.2.0.roles.sql

# `make installcheck` runs the pg_regress suites (sql/, expected/), the
# isolation specs (test/isolation) and the TAP tests (test/t) against the
# server PGHOST/PGPORT/PGUSER name; TEMP_INSTANCE=1 runs the pg_regress
# and isolation suites in throwaway servers of their own instead, started
# with test/followup.conf (pg_cron preloaded; not as root).  Naming suites
# runs only those: `make installcheck REGRESS=cadence`,
# `make installcheck REGRESS= ISOLATION=claim_never_waits`,
# `make installcheck REGRESS= TAP_TESTS=1` (not as root).
REGRESS = $(sort $(patsubst sql/%.sql,%,$(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=$(EXTENSION)
ISOLATION_OPTS = --load-extension=$(EXTENSION) --inputdir=test/isolation --outputdir=test/isolation/output
# concurrency promises, one isolation spec each (test/isolation/specs)
ISOLATION_ALL = $(sort $(patsubst test/isolation/specs/%.spec,%,$(wildcard test/isolation/specs/*.spec)))
# with no suite named on the command line, everything; else only what is named
ifeq ($(filter command line,$(origin REGRESS) $(origin ISOLATION) $(origin TAP_TESTS)),)
ISOLATION = $(ISOLATION_ALL)
# cluster-level tests (PostgreSQL::Test::Cluster): crashes, dump and restore;
# the servers they start refuse to run as root (make test runs them as
# postgres), so root gets them only by asking: TAP_TESTS=1
ifneq ($(shell id -u),0)
TAP_TESTS = 1
endif
endif
PROVE_TESTS = test/t/*.pl
ifdef TEMP_INSTANCE
REGRESS_OPTS += --temp-instance=$(CURDIR)/tmp_check --temp-config=$(srcdir)/test/followup.conf
ISOLATION_OPTS += --temp-instance=$(CURDIR)/tmp_check_iso --temp-config=$(srcdir)/test/followup.conf
endif

PG_CPPFLAGS = -I$(srcdir)/src -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
ifdef WERROR
PG_CPPFLAGS += -Werror
endif

EXTRA_CLEAN = test/unit/bin test/unit/bin-sanitize test/fuzz/bin test/isolation/output test/nocron/output \
              test/log dist

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
else
all install installcheck:
	@echo "PostgreSQL server development files (PGXS) not found."
	@echo "Run 'make test' (it installs them), or: apt-get install postgresql-server-dev-15"
	@exit 1
endif

# an object is rebuilt when any header changes (few headers; a full
# rebuild takes seconds)
$(OBJS): $(wildcard src/*.h src/core/*.h)

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SOURCES) followup.control
	cat $(SQL_SOURCES) > $@

$(EXTENSION)--0.1.0--0.2.0.sql: $(UPGRADE_FROM_0_1_0)
	cat $(UPGRADE_FROM_0_1_0) > $@

# --- the two commands of README.md -----------------------------------------

.PHONY: test test-matrix test-examples demo deps unit fuzz soak bench dist

# a PGXN-ready zip of the committed tree (META.json, the sources, the tests)
dist:
	mkdir -p dist
	git archive --format zip --prefix=$(EXTENSION)-$(EXTVERSION)/ --output dist/$(EXTENSION)-$(EXTVERSION).zip HEAD

deps:
	@PG_CONFIG=$(PG_CONFIG) scripts/ensure-deps

# everything, against throwaway servers of the PostgreSQL that PG_CONFIG
# names; ends with "N passed, N failed"
test: deps
	@$(MAKE) --no-print-directory WERROR=1 all
	@$(MAKE) --no-print-directory install >/dev/null
	@PG_CONFIG=$(PG_CONFIG) PGBIN=$(shell $(PG_CONFIG) --bindir) test/run

# every suite on PostgreSQL 16, 17 and 18 as well (their builds come from
# ../shared/vendor), then pg_upgrade from 15 to 18 (scripts/test-matrix)
MATRIX ?= 16 17 18
test-matrix:
	@MATRIX="$(MATRIX)" scripts/test-matrix

demo: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory install >/dev/null
	@scripts/demo

# the example CRM and its Node.js worker end to end (examples/run)
test-examples: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory install >/dev/null
	@PG_CONFIG=$(PG_CONFIG) examples/run

# pgbench load and sqlsmith for SOAK_SECONDS each (test/soak, scripts/soak)
SOAK_SECONDS ?= 300
soak: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory install >/dev/null
	@scripts/soak $(SOAK_SECONDS)

# benchmarks against baselines of the same run (scripts/bench; SCALE=large)
bench: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory install >/dev/null
	@scripts/bench

# --- src/core without a server -------------------------------------------

CORE_SRC = $(CORE_OBJS:.o=.c)
UNIT_CFLAGS = -std=c99 -g -O1 -Wall -Wextra -Werror -pedantic -Isrc/core -Itest/unit
# SANITIZE=1: unit tests under AddressSanitizer and UndefinedBehaviorSanitizer
# (the fuzzers always are); otherwise they run under Valgrind's memcheck
ifdef SANITIZE
UNIT_BIN = test/unit/bin-sanitize
UNIT_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
UNIT_RUN =
else
UNIT_BIN = test/unit/bin
UNIT_RUN = $(shell command -v valgrind >/dev/null && echo valgrind -q --error-exitcode=99 --leak-check=full)
endif
UNIT_TESTS = $(patsubst test/unit/%.c,$(UNIT_BIN)/%,$(wildcard test/unit/test_*.c))

$(UNIT_BIN)/%: test/unit/%.c $(CORE_SRC) src/core/*.h test/unit/unit.h
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(CORE_SRC) -lm

unit: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do $(UNIT_RUN) $$t || { echo "not ok - $$t (exit $$?)"; exit 1; }; done

FUZZERS = $(patsubst test/fuzz/%.c,test/fuzz/bin/%,$(wildcard test/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 300

test/fuzz/bin/%: test/fuzz/%.c $(CORE_SRC) src/core/*.h
	@mkdir -p $(@D)
	clang -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc/core -o $@ $< $(CORE_SRC) -lm

fuzz: $(FUZZERS)
	@test/fuzz/run $(FUZZ_SECONDS) $(FUZZERS)

# --- followup on Citus: a coordinator and two workers (test/citus) --------
# Citus exists for PostgreSQL 15 only; test/citus/run builds it from
# ../shared/vendor when it is missing (users install Citus's own packages).
.PHONY: test-citus
test-citus: deps
	@$(MAKE) --no-print-directory WERROR=1 all
	@$(MAKE) --no-print-directory install >/dev/null
	@PGBIN=$$($(PG_CONFIG) --bindir) test/citus/run

# one node against Citus through the coordinator, on this machine (bench/citus)
.PHONY: bench-citus
bench-citus: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory install >/dev/null
	@PGBIN=$$($(PG_CONFIG) --bindir) bench/citus
