/* The kernel's netlink, rtnetlink and XFRM definitions, imported into Swift as structs so the kernel
 * port's layouts come from the kernel headers. Constants Swift cannot import (macros that name
 * themselves, casts) are restated as typed constants. */
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/xfrm.h>
#include <linux/udp.h>

static const uint16_t IKE_XFRM_MSG_NEWSA = XFRM_MSG_NEWSA;
static const uint16_t IKE_XFRM_MSG_DELSA = XFRM_MSG_DELSA;
static const uint16_t IKE_XFRM_MSG_GETSA = XFRM_MSG_GETSA;
static const uint16_t IKE_XFRM_MSG_NEWPOLICY = XFRM_MSG_NEWPOLICY;
static const uint16_t IKE_XFRM_MSG_DELPOLICY = XFRM_MSG_DELPOLICY;
static const uint16_t IKE_XFRM_MSG_GETPOLICY = XFRM_MSG_GETPOLICY;
static const uint16_t IKE_XFRM_MSG_ALLOCSPI = XFRM_MSG_ALLOCSPI;
static const uint16_t IKE_XFRM_MSG_ACQUIRE = XFRM_MSG_ACQUIRE;
static const uint16_t IKE_XFRM_MSG_EXPIRE = XFRM_MSG_EXPIRE;
static const uint16_t IKE_XFRM_MSG_UPDPOLICY = XFRM_MSG_UPDPOLICY;
static const uint16_t IKE_XFRM_MSG_UPDSA = XFRM_MSG_UPDSA;
static const uint16_t IKE_XFRM_MSG_POLEXPIRE = XFRM_MSG_POLEXPIRE;
static const uint16_t IKE_XFRM_MSG_FLUSHSA = XFRM_MSG_FLUSHSA;
static const uint16_t IKE_XFRM_MSG_FLUSHPOLICY = XFRM_MSG_FLUSHPOLICY;
static const uint16_t IKE_XFRM_MSG_MAPPING = XFRM_MSG_MAPPING;

static const uint16_t IKE_XFRMA_ALG_AUTH = XFRMA_ALG_AUTH;
static const uint16_t IKE_XFRMA_ALG_CRYPT = XFRMA_ALG_CRYPT;
static const uint16_t IKE_XFRMA_ENCAP = XFRMA_ENCAP;
static const uint16_t IKE_XFRMA_TMPL = XFRMA_TMPL;
static const uint16_t IKE_XFRMA_SRCADDR = XFRMA_SRCADDR;
static const uint16_t IKE_XFRMA_ALG_AUTH_TRUNC = XFRMA_ALG_AUTH_TRUNC;
static const uint16_t IKE_XFRMA_REPLAY_ESN_VAL = XFRMA_REPLAY_ESN_VAL;
static const uint16_t IKE_XFRMA_POLICY_TYPE = XFRMA_POLICY_TYPE;

static const uint32_t IKE_XFRMNLGRP_ACQUIRE = XFRMNLGRP_ACQUIRE;
static const uint32_t IKE_XFRMNLGRP_EXPIRE = XFRMNLGRP_EXPIRE;
static const uint32_t IKE_XFRMNLGRP_SA = XFRMNLGRP_SA;
static const uint32_t IKE_XFRMNLGRP_POLICY = XFRMNLGRP_POLICY;
static const uint32_t IKE_XFRMNLGRP_MAPPING = XFRMNLGRP_MAPPING;

static const uint8_t IKE_XFRM_POLICY_IN = XFRM_POLICY_IN;
static const uint8_t IKE_XFRM_POLICY_OUT = XFRM_POLICY_OUT;
static const uint8_t IKE_XFRM_POLICY_FWD = XFRM_POLICY_FWD;
static const uint8_t IKE_XFRM_POLICY_ALLOW = XFRM_POLICY_ALLOW;
static const uint8_t IKE_XFRM_POLICY_BLOCK = XFRM_POLICY_BLOCK;
static const uint8_t IKE_XFRM_MODE_TRANSPORT = XFRM_MODE_TRANSPORT;
static const uint8_t IKE_XFRM_MODE_TUNNEL = XFRM_MODE_TUNNEL;
static const uint64_t IKE_XFRM_INF = XFRM_INF;

static const uint16_t IKE_NLM_F_REQUEST = NLM_F_REQUEST;
static const uint16_t IKE_NLM_F_ACK = NLM_F_ACK;
static const uint16_t IKE_NLM_F_DUMP = NLM_F_DUMP;
static const uint16_t IKE_NLMSG_ERROR = NLMSG_ERROR;
static const uint16_t IKE_NLMSG_DONE = NLMSG_DONE;
