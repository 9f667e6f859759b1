/* SPDX-License-Identifier: MIT */
/* rvirt_defs.h: public constants and the error type shared by every module. */
#ifndef RVIRT_DEFS_H
#define RVIRT_DEFS_H

/*
 * Every macro below repeats a `const` of rpcgen/rvirt_protocol.x token
 * for token.  A translation unit that includes this header and the
 * rpcgen-generated one fails to build (-Werror, "redefined") if they
 * ever drift apart; t/unit/defs.c is such a unit.
 */
#define RVIRT_MESSAGE_MAX 4194304
#define RVIRT_MESSAGE_MAX_UNAUTH 65536
#define RVIRT_STRING_MAX 65536
#define RVIRT_XML_MAX 1048576
#define RVIRT_NAME_MAX 255
#define RVIRT_URI_MAX 4096
#define RVIRT_ERROR_MESSAGE_MAX 1024
#define RVIRT_DOMAIN_LIST_MAX 16384
#define RVIRT_AUTH_METHODS_MAX 16
#define RVIRT_COOKIE_LEN 32
#define RVIRT_UUID_BUFLEN 16
#define RVIRT_MODEL_MAX 32
#define RVIRT_CPUMAP_MAX 512
#define RVIRT_VCPUS_MAX 4096
#define RVIRT_SASL_DATA_MAX 32768
#define RVIRT_SASL_MECH_MAX 64
#define RVIRT_SASL_MECHLIST_MAX 1024
#define RVIRT_ERR_OK 0
#define RVIRT_ERR_INTERNAL 1
#define RVIRT_ERR_NO_MEMORY 2
#define RVIRT_ERR_INVALID_ARG 3
#define RVIRT_ERR_NO_SUPPORT 4
#define RVIRT_ERR_AUTH_REQUIRED 5
#define RVIRT_ERR_AUTH_FAILED 6
#define RVIRT_ERR_ACCESS_DENIED 7
#define RVIRT_ERR_NO_CONNECT 8
#define RVIRT_ERR_NO_DOMAIN 9
#define RVIRT_ERR_DOMAIN_EXISTS 10
#define RVIRT_ERR_OPERATION_INVALID 11
#define RVIRT_ERR_XML 12
#define RVIRT_ERR_STORE_FULL 13
#define RVIRT_ERR_STORE 14
#define RVIRT_ERR_NO_SESSION 15
#define RVIRT_ERR_SESSION_EXPIRED 16
#define RVIRT_ERR_RPC 17
#define RVIRT_ERR_TRANSPORT 18
#define RVIRT_ERR_TIMEOUT 19
#define RVIRT_ERR_CONFIG 20
#define RVIRT_ERR_URI 21
#define RVIRT_ERR_LIMIT 22
#define RVIRT_ERR_SYSTEM 23
#define RVIRT_ERR_ALREADY_OPEN 24
#define RVIRT_ERR_INVALID_CPUSET 25
#define RVIRT_ERR_NO_DRIVER 26
#define RVIRT_ERR_CONSOLE_BUSY 35
#define RVIRT_ERR_CONSOLE_TAKEN 36
#define RVIRT_ERR_NO_CONSOLE 37
#define RVIRT_CONSOLE_DATA_MAX 65536
#define RVIRT_CONSOLE_WAIT_MAX 60000
#define RVIRT_CONSOLE_ID_LEN 16
#define RVIRT_CONSOLE_FORCE 1
#define RVIRT_CONSOLE_SAFE 2
#define RVIRT_CONSOLE_ENDED 1
#define RVIRT_FROM_NONE 0
#define RVIRT_FROM_RPC 1
#define RVIRT_FROM_SERVER 2
#define RVIRT_FROM_CLIENT 3
#define RVIRT_FROM_STORE 4
#define RVIRT_FROM_HV 5
#define RVIRT_FROM_XML 6
#define RVIRT_FROM_CONFIG 7
#define RVIRT_FROM_AUTH 8
#define RVIRT_FROM_URI 9
#define RVIRT_FROM_TRANSPORT 10
#define RVIRT_DOMAIN_NOSTATE 0
#define RVIRT_DOMAIN_RUNNING 1
#define RVIRT_DOMAIN_BLOCKED 2
#define RVIRT_DOMAIN_PAUSED 3
#define RVIRT_DOMAIN_SHUTDOWN 4
#define RVIRT_DOMAIN_SHUTOFF 5
#define RVIRT_DOMAIN_CRASHED 6
#define RVIRT_CONNECT_RO 1
#define RVIRT_LIST_ACTIVE 1
#define RVIRT_LIST_INACTIVE 2
#define RVIRT_AUTH_NONE 0
#define RVIRT_AUTH_SASL 1
#define RVIRT_AUTH_TLS 2
#define RVIRT_AFFECT_CURRENT 0
#define RVIRT_AFFECT_LIVE 1
#define RVIRT_AFFECT_CONFIG 2
#define RVIRT_VCPU_OFFLINE 0
#define RVIRT_VCPU_RUNNING 1
#define RVIRT_VCPU_BLOCKED 2

/*
 * The one error type.  code is an RVIRT_ERR_* value, origin an
 * RVIRT_FROM_* value, message a lowercase sentence without a full stop.
 */
struct rvirt_error {
	int code;
	int origin;
	char message[RVIRT_ERROR_MESSAGE_MAX + 1];
};

#endif /* RVIRT_DEFS_H */
