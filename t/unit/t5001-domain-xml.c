/* SPDX-License-Identifier: MIT */
/* t5001-domain-xml: parsing, formatting, limits, XXE and entity bombs. */
#define _GNU_SOURCE /* asprintf, open_memstream */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../common/uuid.h"
#include "../../hv/domain_xml.h"

static const char full_xml[] =
	"<domain type='test'>\n"
	"  <name>web-1</name>\n"
	"  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n"
	"  <title>A &lt;web&gt; server &amp; more</title>\n"
	"  <description>line one\nline \"two\"</description>\n"
	"  <memory unit='MiB'>512</memory>\n"
	"  <currentMemory unit='KiB'>262144</currentMemory>\n"
	"  <vcpu placement='static' cpuset='0-3,^2'>4</vcpu>\n"
	"  <os>\n"
	"    <type arch='x86_64'>exe</type>\n"
	"    <init>/bin/guest</init>\n"
	"    <kernel>/boot/vmlinuz</kernel>\n"
	"    <cmdline> console=ttyS0 </cmdline>\n"
	"  </os>\n"
	"  <on_poweroff>preserve</on_poweroff>\n"
	"  <on_reboot>destroy</on_reboot>\n"
	"  <on_crash>coredump-restart</on_crash>\n"
	"  <devices><disk type='file'/></devices>\n"
	"  <!-- a comment -->\n"
	"</domain>\n";

static struct domain_def *
parse_ok(const char *xml)
{
	struct rvirt_error err = { 0 };
	struct domain_def *def = domain_xml_parse(xml, &err);

	if (!def)
		fail_msg("refused: %s\n%s", err.message, xml);
	return def;
}

/* Expect xml refused with code and a message containing why. */
static void
check_bad(const char *xml, int code, const char *why)
{
	struct rvirt_error err = { 0 };
	struct domain_def *def = domain_xml_parse(xml, &err);

	if (def) {
		domain_def_free(def);
		fail_msg("accepted: %s", xml);
	}
	assert_int_equal(err.code, code);
	if (!strstr(err.message, why))
		fail_msg("message '%s' lacks '%s'", err.message, why);
}

/* A minimal document with body inside <domain type='test'>. */
static char *
doc(const char *body)
{
	char *s = NULL;

	assert_true(asprintf(&s, "<domain type='test'>%s</domain>", body) > 0);
	return s;
}

static void
check_bad_body(const char *body, int code, const char *why)
{
	char *s = doc(body);

	check_bad(s, code, why);
	free(s);
}

static void
test_parse_full(void **state)
{
	struct domain_def *def = parse_ok(full_xml);
	char uuid[UUID_STRLEN + 1];
	char cs[CPUSET_FORMAT_MAX];

	(void)state;
	assert_int_equal(def->type, DOMAIN_TYPE_TEST);
	assert_string_equal(def->name, "web-1");
	uuid_format(def->uuid, uuid);
	assert_string_equal(uuid, "6695eb01-f6a4-8304-79aa-97f2502e193f");
	assert_true(def->has_uuid);
	assert_string_equal(def->title, "A <web> server & more");
	assert_string_equal(def->description, "line one\nline \"two\"");
	assert_int_equal(def->memory_kib, 512 * 1024);
	assert_int_equal(def->current_memory_kib, 262144);
	assert_int_equal(def->vcpus, 4);
	assert_int_equal(def->placement, DOMAIN_PLACEMENT_STATIC);
	assert_true(def->has_cpuset);
	assert_int_equal(cpuset_format(&def->cpuset, cs, sizeof(cs)), 0);
	assert_string_equal(cs, "0-1,3");
	assert_int_equal(def->os_type, DOMAIN_OS_EXE);
	assert_string_equal(def->os_init, "/bin/guest");
	assert_string_equal(def->os_kernel, "/boot/vmlinuz");
	assert_string_equal(def->os_cmdline, " console=ttyS0 ");
	assert_int_equal(def->on_poweroff, DOMAIN_ACTION_PRESERVE);
	assert_int_equal(def->on_reboot, DOMAIN_ACTION_DESTROY);
	assert_int_equal(def->on_crash, DOMAIN_ACTION_COREDUMP_RESTART);
	domain_def_free(def);
	domain_def_free(NULL);
}

static void
test_defaults(void **state)
{
	struct domain_def *def =
		parse_ok("<domain type='process'><name>a</name>"
			 "<memory>1024</memory></domain>");
	struct domain_def *def2;

	(void)state;
	assert_int_equal(def->type, DOMAIN_TYPE_PROCESS);
	assert_false(def->has_uuid);
	assert_int_equal(def->memory_kib, 1024);
	assert_int_equal(def->current_memory_kib, 1024);
	assert_int_equal(def->vcpus, 1);
	assert_false(def->has_cpuset);
	assert_int_equal(def->os_type, DOMAIN_OS_HVM);
	assert_null(def->title);
	assert_null(def->os_kernel);
	assert_int_equal(def->on_poweroff, DOMAIN_ACTION_DESTROY);
	assert_int_equal(def->on_reboot, DOMAIN_ACTION_RESTART);
	assert_int_equal(def->on_crash, DOMAIN_ACTION_DESTROY);

	/* A generated uuid: version 4, and a new one each time. */
	def2 = parse_ok("<domain type='qemu'><name>a</name>"
			"<memory>1024</memory></domain>");
	assert_int_equal(def2->type, DOMAIN_TYPE_QEMU);
	assert_int_equal(def->uuid[6] >> 4, 4);
	assert_memory_not_equal(def->uuid, def2->uuid, RVIRT_UUID_BUFLEN);
	domain_def_free(def);
	domain_def_free(def2);
}

static void
test_round_trip(void **state)
{
	struct rvirt_error err = { 0 };
	struct domain_def *def = parse_ok(full_xml), *again;
	char *out, *out2;

	(void)state;
	out = domain_xml_format(def, -1, &err);
	assert_non_null(out);
	assert_null(strstr(out, " id="));
	assert_non_null(strstr(out, "<title>A &lt;web&gt; server &amp; "
				    "more</title>"));
	assert_non_null(strstr(out, "cpuset=\"0-1,3\""));
	assert_non_null(strstr(out, "<memory unit=\"KiB\">524288</memory>"));
	assert_null(strstr(out, "devices"));
	again = parse_ok(out);
	out2 = domain_xml_format(again, -1, &err);
	assert_non_null(out2);
	/* The canonical form is a fixed point. */
	assert_string_equal(out, out2);
	assert_string_equal(again->description, def->description);
	assert_string_equal(again->os_cmdline, def->os_cmdline);
	assert_memory_equal(again->uuid, def->uuid, RVIRT_UUID_BUFLEN);
	free(out);
	free(out2);

	/* A running domain gets its id. */
	out = domain_xml_format(def, 7, &err);
	assert_non_null(out);
	assert_non_null(strstr(out, "<domain type=\"test\" id=\"7\">"));
	free(out);
	domain_def_free(again);
	domain_def_free(def);
}

static void
test_units(void **state)
{
	static const struct {
		const char *unit;
		const char *value;
		uint64_t kib;
	} cases[] = {
		{ "b", "1", 1 }, /* rounded up to a KiB */
		{ "bytes", "2048", 2 },
		{ "k", "3", 3 },
		{ "KiB", "3", 3 },
		{ "KB", "1024", 1000 },
		{ "M", "2", 2048 },
		{ "MiB", "2", 2048 },
		{ "MB", "1", 977 },
		{ "G", "1", 1048576 },
		{ "GiB", "1", 1048576 },
		{ "T", "1", 1073741824ULL },
		{ "TiB", "2", 2147483648ULL },
		{ "mib", "1", 1024 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = NULL;
		struct domain_def *def;

		assert_true(asprintf(&s,
				     "<domain type='test'><name>u</name>"
				     "<memory unit='%s'> %s </memory>"
				     "</domain>",
				     cases[i].unit, cases[i].value) > 0);
		def = parse_ok(s);
		if (def->memory_kib != cases[i].kib)
			fail_msg("%s %s: %llu KiB, want %llu", cases[i].value,
				 cases[i].unit,
				 (unsigned long long)def->memory_kib,
				 (unsigned long long)cases[i].kib);
		domain_def_free(def);
		free(s);
	}
}

static void
test_errors(void **state)
{
	(void)state;
	check_bad("", RVIRT_ERR_XML, "empty");
	check_bad("<domain", RVIRT_ERR_XML, "line 1");
	check_bad("not xml at all", RVIRT_ERR_XML, "invalid domain xml");
	check_bad("<domain type='test'><name>a</name><memory>1</memory>",
		  RVIRT_ERR_XML, "invalid domain xml");
	check_bad("<vm type='test'/>", RVIRT_ERR_XML, "root element");
	check_bad("<domain><name>a</name><memory>1</memory></domain>",
		  RVIRT_ERR_XML, "type attribute");
	check_bad("<domain type='kvm'><name>a</name><memory>1</memory>"
		  "</domain>",
		  RVIRT_ERR_XML, "unknown domain type 'kvm'");
	check_bad("<domain type='test'>&undefined;</domain>", RVIRT_ERR_XML,
		  "undefined");
	check_bad_body("<memory>1</memory>", RVIRT_ERR_XML,
		       "<name> is required");
	check_bad_body("<name>a</name>", RVIRT_ERR_XML, "<memory> is required");
	check_bad_body("<name>a</name><memory>0</memory>", RVIRT_ERR_XML,
		       "more than 0");
	check_bad_body("<name>a</name><memory>-1</memory>", RVIRT_ERR_XML,
		       "not a number");
	check_bad_body("<name>a</name><memory>1.5</memory>", RVIRT_ERR_XML,
		       "not a number");
	check_bad_body("<name>a</name><memory></memory>", RVIRT_ERR_XML,
		       "not a number");
	check_bad_body("<name>a</name><memory unit='parsec'>1</memory>",
		       RVIRT_ERR_XML, "unknown unit 'parsec'");
	check_bad_body("<name>a</name>"
		       "<memory>99999999999999999999999</memory>",
		       RVIRT_ERR_XML, "not a number");
	check_bad_body("<name>a</name>"
		       "<memory unit='EiB'>100</memory>",
		       RVIRT_ERR_XML, "too large");
	check_bad_body("<name>a</name><memory>1</memory>"
		       "<currentMemory unit='x'>1</currentMemory>",
		       RVIRT_ERR_XML, "<currentMemory>: unknown unit");
	check_bad_body("<name>a</name><memory>1</memory><vcpu>0</vcpu>",
		       RVIRT_ERR_XML, "<vcpu>");
	check_bad_body("<name>a</name><memory>1</memory><vcpu>4097</vcpu>",
		       RVIRT_ERR_XML, "from 1 to 4096");
	check_bad_body("<name>a</name><memory>1</memory><vcpu>two</vcpu>",
		       RVIRT_ERR_XML, "<vcpu>");
	check_bad_body("<name>a</name><memory>1</memory>"
		       "<vcpu placement='dynamic'>1</vcpu>",
		       RVIRT_ERR_XML, "unknown placement 'dynamic'");
	check_bad_body("<name>a</name><memory>1</memory>"
		       "<vcpu cpuset='0-'>1</vcpu>",
		       RVIRT_ERR_INVALID_CPUSET,
		       "invalid cpuset '0-': range without an end");
	check_bad_body("<name>a</name><memory>1</memory>"
		       "<vcpu cpuset='5000'>1</vcpu>",
		       RVIRT_ERR_INVALID_CPUSET, "out of range");
	check_bad_body("<name>a</name><memory>1</memory>"
		       "<os><type>xen</type></os>",
		       RVIRT_ERR_XML, "unknown os type 'xen'");
	check_bad_body("<name>a</name><memory>1</memory>"
		       "<on_poweroff>explode</on_poweroff>",
		       RVIRT_ERR_XML, "<on_poweroff>: unknown action");
	/* coredump-* only for on_crash. */
	check_bad_body("<name>a</name><memory>1</memory>"
		       "<on_reboot>coredump-destroy</on_reboot>",
		       RVIRT_ERR_XML, "<on_reboot>: unknown action");
	check_bad_body("<name>a</name><memory>1</memory>"
		       "<uuid>not-a-uuid</uuid>",
		       RVIRT_ERR_XML, "<uuid>: 'not-a-uuid' is not a uuid");
	check_bad_body("<name>a</name><name>b</name><memory>1</memory>",
		       RVIRT_ERR_XML, "<name> appears twice");
	check_bad_body("<name>a</name><memory>1</memory><memory>2</memory>",
		       RVIRT_ERR_XML, "<memory> appears twice");
	check_bad_body("<name>a</name><memory>1</memory>"
		       "<os><type>hvm</type><type>exe</type></os>",
		       RVIRT_ERR_XML, "appears twice");
	check_bad_body("<name>a</name><memory>1</memory>"
		       "<title>two\nlines</title>",
		       RVIRT_ERR_XML, "single line");
}

static void
test_names(void **state)
{
	char name[300];
	char *s;

	(void)state;
	check_bad_body("<name></name><memory>1</memory>", RVIRT_ERR_XML,
		       "empty");
	check_bad_body("<name>a/b</name><memory>1</memory>", RVIRT_ERR_XML,
		       "contains '/'");
	check_bad_body("<name>../etc</name><memory>1</memory>", RVIRT_ERR_XML,
		       "contains '/'");
	check_bad_body("<name>..</name><memory>1</memory>", RVIRT_ERR_XML,
		       "'..' is not allowed");
	check_bad_body("<name>.</name><memory>1</memory>", RVIRT_ERR_XML,
		       "'.' is not allowed");
	check_bad_body("<name>a\nb</name><memory>1</memory>", RVIRT_ERR_XML,
		       "control character");
	check_bad_body("<name>a&#9;b</name><memory>1</memory>", RVIRT_ERR_XML,
		       "control character");
	/* 256 bytes: one too many. */
	memset(name, 'n', 256);
	name[256] = '\0';
	assert_true(asprintf(&s, "<name>%s</name><memory>1</memory>", name) >
		    0);
	check_bad_body(s, RVIRT_ERR_XML, "longer than 255 bytes");
	free(s);

	/* Allowed: 255 bytes, UTF-8, dots and dashes inside. */
	{
		struct domain_def *def;
		char *d;

		name[255] = '\0';
		assert_true(asprintf(&s, "<name>%s</name><memory>1</memory>",
				     name) > 0);
		d = doc(s);
		def = parse_ok(d);
		assert_int_equal(strlen(def->name), 255);
		domain_def_free(def);
		free(d);
		free(s);
		d = doc("<name>caf\xc3\xa9.v1..2-x</name><memory>1</memory>");
		def = parse_ok(d);
		assert_string_equal(def->name, "caf\xc3\xa9.v1..2-x");
		domain_def_free(def);
		free(d);
	}

	assert_int_equal(domain_xml_check_name("ok", NULL), 0);
	assert_int_equal(domain_xml_check_name("bad\xff", NULL), -1);
	assert_int_equal(domain_xml_check_name("\xc0\xaf", NULL), -1);
	assert_int_equal(domain_xml_check_name("\xed\xa0\x80", NULL), -1);
	assert_int_equal(domain_xml_check_name("a\x7f", NULL), -1);
}

/* " a" (leading blank) is allowed: names are not trimmed, only checked. */
static void
test_name_blank_kept(void **state)
{
	struct domain_def *def;
	char *d = doc("<name> a</name><memory>1</memory>");

	(void)state;
	def = parse_ok(d);
	assert_string_equal(def->name, " a");
	domain_def_free(def);
	free(d);
}

static void
test_xxe_refused(void **state)
{
	char path[] = "/tmp/t5001-secret-XXXXXX";
	int fd = mkstemp(path);
	char *xml = NULL;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "TOPSECRET", 9), 9);
	close(fd);
	check_bad("<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
		  "<domain type='test'><name>&x;</name>"
		  "<memory>1</memory></domain>",
		  RVIRT_ERR_XML, "DOCTYPE is not allowed");
	assert_true(asprintf(&xml,
			     "<!DOCTYPE d [<!ENTITY x SYSTEM \"file://%s\">]>"
			     "<domain type='test'><name>a</name>"
			     "<memory>1</memory><title>&x;</title></domain>",
			     path) > 0);
	check_bad(xml, RVIRT_ERR_XML, "DOCTYPE is not allowed");
	free(xml);
	/* An external DTD (no internal subset) is refused as well. */
	check_bad("<!DOCTYPE domain SYSTEM \"http://127.0.0.1:1/x.dtd\">"
		  "<domain type='test'><name>a</name><memory>1</memory>"
		  "</domain>",
		  RVIRT_ERR_XML, "DOCTYPE is not allowed");
	/* Parameter entities too. */
	check_bad("<!DOCTYPE d [<!ENTITY % p SYSTEM \"file:///etc/passwd\">"
		  "%p;]><domain type='test'/>",
		  RVIRT_ERR_XML, "DOCTYPE is not allowed");
	unlink(path);
}

static void
test_billion_laughs(void **state)
{
	char *xml = NULL, *p;
	size_t len = 0;
	FILE *f;
	struct timespec t0, t1;
	double secs;

	(void)state;
	f = open_memstream(&xml, &len);
	assert_non_null(f);
	fputs("<?xml version='1.0'?>\n<!DOCTYPE d [\n"
	      " <!ENTITY l0 \"lol\">\n",
	      f);
	for (int i = 1; i < 10; i++) {
		fprintf(f, " <!ENTITY l%d \"", i);
		for (int j = 0; j < 10; j++)
			fprintf(f, "&l%d;", i - 1);
		fputs("\">\n", f);
	}
	fputs("]>\n<domain type='test'><name>&l9;</name>"
	      "<memory>1</memory></domain>\n",
	      f);
	fclose(f);
	p = xml;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	check_bad(p, RVIRT_ERR_XML, "DOCTYPE is not allowed");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* Refused before expansion: far under a second, not minutes. */
	assert_true(secs < 1.0);
	free(xml);
}

static void
test_oversized(void **state)
{
	size_t n = RVIRT_XML_MAX + 100;
	char *big = malloc(n + 1);
	const char *head = "<domain type='test'><name>a</name>"
			   "<memory>1</memory><description>";
	const char *tail = "</description></domain>";
	struct domain_def *def;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', n);
	memcpy(big, head, strlen(head));
	memcpy(big + n - strlen(tail), tail, strlen(tail));
	big[n] = '\0';
	check_bad(big, RVIRT_ERR_XML, "larger than 1048576 bytes");

	/* Exactly at the limit is fine. */
	n = RVIRT_XML_MAX;
	memset(big, 'x', n);
	memcpy(big, head, strlen(head));
	memcpy(big + n - strlen(tail), tail, strlen(tail));
	big[n] = '\0';
	def = parse_ok(big);
	assert_int_equal(strlen(def->description),
			 n - strlen(head) - strlen(tail));
	domain_def_free(def);
	free(big);
}

/* libxml2 must print nothing: its errors go into the message. */
static void
test_quiet(void **state)
{
	char path[] = "/tmp/t5001-stderr-XXXXXX";
	int fd = mkstemp(path), saved;
	off_t size;

	(void)state;
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fd, 2) == 2);
	check_bad("<domain type='test'><name>a</nam></domain>", RVIRT_ERR_XML,
		  "line 1");
	check_bad("<domain type='test'>&bad;</domain>", RVIRT_ERR_XML,
		  "invalid domain xml");
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	unlink(path);
	assert_int_equal(size, 0);
}

/* <cputune> and <initarg>: parsed, kept, formatted, checked. */
static void
test_cputune(void **state)
{
	static const char xml[] =
		"<domain type='process'><name>p</name><memory>1024</memory>"
		"<cputune><shares>2048</shares>"
		"<vcpupin vcpu='2' cpuset='3'/>"
		"<vcpupin vcpu='0' cpuset='0-1,^1'/>"
		"<emulatorpin cpuset='4-5'/></cputune>"
		"<vcpu cpuset='0-5'>3</vcpu>"
		"<os><type>exe</type><init>/bin/sleep</init>"
		"<initarg>10</initarg><initarg> two words </initarg></os>"
		"</domain>";
	struct domain_def *def = parse_ok(xml), *again;
	struct rvirt_error err = { 0 };
	struct cpuset host, set;
	char *out, text[64];

	(void)state;
	assert_int_equal(def->nvcpupins, 2);
	assert_int_equal(def->vcpupins[0].vcpu, 0); /* sorted */
	assert_int_equal(def->vcpupins[1].vcpu, 2);
	assert_non_null(domain_def_vcpupin(def, 2));
	assert_null(domain_def_vcpupin(def, 1));
	assert_true(def->has_emulatorpin);
	assert_int_equal(def->nos_initargs, 2);
	assert_string_equal(def->os_initargs[1], " two words ");
	/* Affinity by the definition: pin, else cpuset, else the host. */
	assert_int_equal(cpuset_parse("0-7", 0, &host, &err), 0);
	domain_def_vcpu_affinity(def, 0, &host, &set);
	cpuset_format(&set, text, sizeof(text));
	assert_string_equal(text, "0");
	domain_def_vcpu_affinity(def, 1, &host, &set);
	cpuset_format(&set, text, sizeof(text));
	assert_string_equal(text, "0-5");
	domain_def_emulator_affinity(def, &host, &set);
	cpuset_format(&set, text, sizeof(text));
	assert_string_equal(text, "4-5");
	assert_int_equal(domain_def_check_host(def, &host, &err), 0);
	/* A host with cpus 0-3 lacks the cpuset's 4-5. */
	assert_int_equal(cpuset_parse("0-3", 0, &host, &err), 0);
	assert_int_equal(domain_def_check_host(def, &host, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_INVALID_CPUSET);
	assert_string_equal(err.message,
			    "cannot start domain 'p': cpuset '0-5' names cpu "
			    "4, which the host does not have (it has 0-3)");
	/* Round trip, and a pin set on the definition. */
	out = domain_xml_format(def, -1, &err);
	assert_non_null(out);
	assert_non_null(strstr(out, "<vcpupin vcpu=\"0\" cpuset=\"0\"/>"));
	assert_non_null(strstr(out, "<emulatorpin cpuset=\"4-5\"/>"));
	assert_non_null(strstr(out, "<initarg> two words </initarg>"));
	assert_null(strstr(out, "shares"));
	again = parse_ok(out);
	assert_int_equal(again->nvcpupins, 2);
	assert_true(cpuset_equal(&again->emulatorpin, &def->emulatorpin));
	free(out);
	assert_int_equal(cpuset_parse("1", 0, &set, &err), 0);
	assert_int_equal(domain_def_set_vcpupin(again, 1, &set, &err), 0);
	assert_int_equal(domain_def_set_vcpupin(again, 0, &set, &err), 0);
	assert_int_equal(again->nvcpupins, 3);
	assert_true(cpuset_equal(domain_def_vcpupin(again, 0), &set));
	assert_int_equal(domain_def_set_vcpupin(again, 3, &set, &err), -1);
	assert_int_equal(err.code, RVIRT_ERR_INVALID_ARG);
	domain_def_free(again);
	domain_def_free(def);
}

static void
test_cputune_errors(void **state)
{
	(void)state;
	check_bad("<domain type='test'><name>a</name><memory>1</memory>"
		  "<vcpu>2</vcpu><cputune><vcpupin vcpu='2' cpuset='0'/>"
		  "</cputune></domain>",
		  RVIRT_ERR_XML, "vcpu 2 does not exist (the domain has 2");
	check_bad("<domain type='test'><name>a</name><memory>1</memory>"
		  "<cputune><vcpupin cpuset='0'/></cputune></domain>",
		  RVIRT_ERR_XML, "needs a vcpu attribute");
	check_bad("<domain type='test'><name>a</name><memory>1</memory>"
		  "<cputune><vcpupin vcpu='-1' cpuset='0'/></cputune>"
		  "</domain>",
		  RVIRT_ERR_XML, "is not a number");
	check_bad("<domain type='test'><name>a</name><memory>1</memory>"
		  "<cputune><vcpupin vcpu='0'/></cputune></domain>",
		  RVIRT_ERR_XML, "needs a cpuset attribute");
	check_bad("<domain type='test'><name>a</name><memory>1</memory>"
		  "<cputune><vcpupin vcpu='0' cpuset='0'/>"
		  "<vcpupin vcpu='0' cpuset='1'/></cputune></domain>",
		  RVIRT_ERR_XML, "pinned twice");
	check_bad("<domain type='test'><name>a</name><memory>1</memory>"
		  "<cputune><vcpupin vcpu='0' cpuset='0-'/></cputune>"
		  "</domain>",
		  RVIRT_ERR_INVALID_CPUSET, "range without an end");
	check_bad("<domain type='test'><name>a</name><memory>1</memory>"
		  "<cputune><emulatorpin cpuset='1'/><emulatorpin "
		  "cpuset='1'/></cputune></domain>",
		  RVIRT_ERR_XML, "<emulatorpin> appears twice");
	check_bad("<domain type='test'><name>a</name><memory>1</memory>"
		  "<cputune><emulatorpin cpuset='^1'/></cputune></domain>",
		  RVIRT_ERR_INVALID_CPUSET, "");
	check_bad("<domain type='test'><name>a</name><memory>1</memory>"
		  "<cputune/><cputune/></domain>",
		  RVIRT_ERR_XML, "<cputune> appears twice");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_name_blank_kept),
		cmocka_unit_test(test_xxe_refused),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_quiet),
		cmocka_unit_test(test_cputune),
		cmocka_unit_test(test_cputune_errors),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
