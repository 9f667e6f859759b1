/* SPDX-License-Identifier: MIT */
/*
 * serial-echo: a 64 KiB BIOS image for QEMU's pc machine that talks on
 * COM1: it prints a banner, echoes every byte it receives and, at each
 * carriage return, answers the line it got.  16-bit real mode, no RAM
 * but a line buffer at 0000:0500.  Built by the Makefile with GNU as
 * and ld into build/t/tools/serial-echo.bin (t/7107-qemu-console.t).
 */
	.code16
	.text
	.globl	_start

#define COM1 0x3f8
#define LINE 0x500
#define LINE_MAX 120

_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	xorw	%ax, %ax
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0x7000, %sp
	/* 115200 8N1, FIFOs on, no interrupts, DTR and RTS up. */
	movw	$COM1 + 1, %dx
	xorb	%al, %al
	outb	%al, %dx
	movw	$COM1 + 3, %dx
	movb	$0x80, %al
	outb	%al, %dx
	movw	$COM1, %dx
	movb	$1, %al
	outb	%al, %dx
	movw	$COM1 + 1, %dx
	xorb	%al, %al
	outb	%al, %dx
	movw	$COM1 + 3, %dx
	movb	$0x03, %al
	outb	%al, %dx
	movw	$COM1 + 2, %dx
	movb	$0x01, %al
	outb	%al, %dx
	movw	$COM1 + 4, %dx
	movb	$0x03, %al
	outb	%al, %dx

	movw	$banner, %si
	call	puts
prompt:
	movw	$promptstr, %si
	call	puts
	xorw	%di, %di		/* bytes in the line */
next:
	call	getc
	cmpb	$'\r', %al
	je	eol
	cmpb	$'\n', %al
	je	next
	call	putc			/* echo */
	cmpw	$LINE_MAX, %di
	jae	next
	movb	%al, %es:LINE(%di)
	incw	%di
	jmp	next
eol:
	movw	$answer, %si
	call	puts
	xorw	%bx, %bx
1:	cmpw	%di, %bx
	jae	2f
	movb	%es:LINE(%bx), %al
	call	putc
	incw	%bx
	jmp	1b
2:	movw	$quote, %si
	call	puts
	jmp	prompt

/* The byte received, in %al; waits for it. */
getc:
	movw	$COM1 + 5, %dx
1:	inb	%dx, %al
	testb	$0x01, %al
	jz	1b
	movw	$COM1, %dx
	inb	%dx, %al
	ret

/* Send %al; keeps every register. */
putc:
	pushw	%dx
	pushw	%ax
	movw	$COM1 + 5, %dx
1:	inb	%dx, %al
	testb	$0x20, %al
	jz	1b
	popw	%ax
	movw	$COM1, %dx
	outb	%al, %dx
	popw	%dx
	ret

/* Send the NUL-terminated string at %ds:%si. */
puts:
	lodsb
	testb	%al, %al
	jz	1f
	call	putc
	jmp	puts
1:	ret

banner:
	.asciz	"\r\nrvirt serial-echo firmware ready\r\n"
promptstr:
	.asciz	"serial> "
answer:
	.asciz	"\r\nserial-echo got ["
quote:
	.asciz	"]\r\n"

	/* The reset vector: the last 16 bytes of the 64 KiB image. */
	.org	0xfff0
	ljmp	$0xf000, $_start
	.org	0x10000
