// SPDX-License-Identifier: GPL-2.0
/*
 * kexec-load: load a kdump capture kernel with kexec_file_load(2).
 *
 *   kexec-load KERNEL INITRAMFS CMDLINE
 *
 * Debian's kexec-tools is linked against the Xen libraries; this does the one
 * thing the panicgen guest needs, with no libc: freestanding, static, built by
 * clang for x86_64 and arm64 (scripts/mkinitramfs.sh). Exit status 0 on
 * success, 1 with a message on stderr otherwise.
 */

#define O_RDONLY 0
#define KEXEC_FILE_ON_CRASH 0x2

#if defined(__x86_64__)
#define SYS_write 1
#define SYS_open 2
#define SYS_exit 60
#define SYS_kexec_file_load 320

static long syscall5(long n, long a, long b, long c, long d, long e)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

/* The kernel enters with argc at (%rsp), then argv[]. */
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call start_c\n"
	"	ud2\n");
#elif defined(__aarch64__)
#define AT_FDCWD -100
#define SYS_write 64
#define SYS_openat 56
#define SYS_exit 93
#define SYS_kexec_file_load 294

static long syscall5(long n, long a, long b, long c, long d, long e)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;

	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
			 : "memory");
	return x0;
}

__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	mov x0, sp\n"
	"	bl start_c\n"
	"	brk #0\n");
#else
#error "kexec-load supports x86_64 and arm64"
#endif

static unsigned long len(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	syscall5(SYS_write, 2, (long)s, (long)len(s), 0, 0);
}

static void say_errno(long err)
{
	char buf[24];
	int i = sizeof(buf) - 1;

	buf[i] = '\0';
	err = -err;
	do {
		buf[--i] = (char)('0' + err % 10);
		err /= 10;
	} while (err && i > 0);
	say(" (errno ");
	say(&buf[i]);
	say(")\n");
}

static __attribute__((noreturn)) void quit(int status)
{
	for (;;)
		syscall5(SYS_exit, status, 0, 0, 0, 0);
}

static long open_ro(const char *path)
{
#if defined(__x86_64__)
	return syscall5(SYS_open, (long)path, O_RDONLY, 0, 0, 0);
#else
	return syscall5(SYS_openat, AT_FDCWD, (long)path, O_RDONLY, 0, 0);
#endif
}

/* The descriptor of PATH opened read-only; on failure says why and exits 1. */
static long open_or_quit(const char *path, const char *what)
{
	long fd = open_ro(path);

	if (fd < 0) {
		say("kexec-load: cannot open the ");
		say(what);
		say(" ");
		say(path);
		say_errno(fd);
		quit(1);
	}
	return fd;
}

__attribute__((noreturn, used)) void start_c(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	long kfd, ifd, ret;

	if (argc != 4) {
		say("usage: kexec-load KERNEL INITRAMFS CMDLINE\n");
		quit(2);
	}
	kfd = open_or_quit(argv[1], "kernel");
	ifd = open_or_quit(argv[2], "initramfs");
	/* The command line length includes its terminating NUL. */
	ret = syscall5(SYS_kexec_file_load, kfd, ifd, (long)len(argv[3]) + 1,
		       (long)argv[3], KEXEC_FILE_ON_CRASH);
	if (ret < 0) {
		say("kexec-load: kexec_file_load failed (is there a crashkernel= reservation?)");
		say_errno(ret);
		quit(1);
	}
	quit(0);
}
