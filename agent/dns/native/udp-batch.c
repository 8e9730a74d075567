/*
 * The resolver's UDP sockets without node's dgram: many datagrams per syscall (recvmmsg/sendmmsg) and
 * one JS call per batch instead of one callback, Buffer and rinfo object per datagram, which on a small
 * machine is the ceiling of a dgram server. Also binds the UDP socket and the TCP listener itself,
 * inside another network namespace when asked (setns on the calling thread only, switched back before
 * returning), so no helper process is needed for that.
 *
 * Layout shared with udp-batch.ts (both buffers): BATCH headers of HDR bytes (u32 length, u32 IPv4
 * address in host order, u32 port, u32 flags), then BATCH data slots of SLOT bytes. No allocation per
 * datagram here, and no JS object per datagram either.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

#define BATCH 64
#define SLOT 4096
#define HDR 16
#define BUF_SIZE (BATCH * HDR + BATCH * SLOT)
/* Batches read per readiness event before the loop gets its turn again (level-triggered: it comes back). */
#define MAX_ROUNDS 8
#define SOCK_BUF (4 << 20)
#define FLAG_TRUNC 1u

typedef struct {
  uv_poll_t poll;
  napi_env env;
  int fd;
  int closing;
  int refs; /* the open handle and the JS object each hold one */
  napi_ref in_ref, out_ref, cb_ref;
  napi_async_context actx;
  napi_async_cleanup_hook_handle hook;
  uint8_t *in, *out;
  double received, sent, dropped;
  struct mmsghdr rmsg[BATCH], smsg[BATCH];
  struct iovec riov[BATCH], siov[BATCH];
  struct sockaddr_in rsrc[BATCH], sdst[BATCH];
} batch_t;

#define CHECK(call)                                                                                   \
  do {                                                                                                \
    if ((call) != napi_ok) {                                                                          \
      throw_last(env);                                                                                \
      return NULL;                                                                                    \
    }                                                                                                 \
  } while (0)

static void throw_last(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "udp-batch: N-API call failed");
}

/* An Error with node's errno code (EADDRINUSE, ...), as net and dgram report them; err is -errno. */
static napi_value throw_errno(napi_env env, int err, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, uv_strerror(err));
  napi_value code, text, error;
  napi_create_string_utf8(env, uv_err_name(err), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_plain(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

/* Arguments common to both binds: address, port, network namespace path or null. */
typedef struct {
  struct sockaddr_in sa;
  char ns[256];
  int has_ns;
} bind_args;

static int read_bind_args(napi_env env, napi_value *argv, bind_args *a) {
  char addr[64];
  size_t len = 0;
  uint32_t port = 0;
  napi_valuetype t;
  memset(a, 0, sizeof *a);
  if (napi_get_value_string_utf8(env, argv[0], addr, sizeof addr, &len) != napi_ok || len >= sizeof addr - 1) {
    throw_plain(env, "ERR_INVALID_ARG_TYPE", "udp-batch: the address must be an IPv4 address string");
    return -1;
  }
  a->sa.sin_family = AF_INET;
  if (inet_pton(AF_INET, addr, &a->sa.sin_addr) != 1) {
    throw_plain(env, "ERR_INVALID_ARG_VALUE", "udp-batch: the address must be an IPv4 address");
    return -1;
  }
  if (napi_get_value_uint32(env, argv[1], &port) != napi_ok || port > 65535) {
    throw_plain(env, "ERR_INVALID_ARG_VALUE", "udp-batch: the port must be 0..65535");
    return -1;
  }
  a->sa.sin_port = htons((uint16_t)port);
  napi_typeof(env, argv[2], &t);
  if (t == napi_string) {
    if (napi_get_value_string_utf8(env, argv[2], a->ns, sizeof a->ns, &len) != napi_ok || len == 0 ||
        len >= sizeof a->ns - 1) {
      throw_plain(env, "ERR_INVALID_ARG_VALUE", "udp-batch: bad network namespace path");
      return -1;
    }
    a->has_ns = 1;
  } else if (t != napi_null && t != napi_undefined) {
    throw_plain(env, "ERR_INVALID_ARG_TYPE", "udp-batch: the namespace must be a path or null");
    return -1;
  }
  return 0;
}

/* Switches the calling thread into ns; *orig gets the thread's own namespace to come back to. */
static int enter_ns(const char *ns, int *orig) {
  *orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (*orig < 0) return -errno;
  int target = open(ns, O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    int e = errno;
    close(*orig);
    return -e;
  }
  int r = setns(target, CLONE_NEWNET);
  int e = errno;
  close(target);
  if (r != 0) {
    close(*orig);
    return -e;
  }
  return 0;
}

/* Back to the thread's own namespace; 0, or -errno (the thread is then stuck in the other one). */
static int leave_ns(int orig) {
  int r = setns(orig, CLONE_NEWNET);
  int e = errno;
  close(orig);
  return r == 0 ? 0 : -e;
}

typedef int (*sock_maker)(const bind_args *a, int extra, int *port);

static int make_udp(const bind_args *a, int extra, int *port) {
  (void)extra;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int size = SOCK_BUF;
  /* Past net.core.rmem_max only as root (FORCE); else as much as the limit allows. */
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  struct sockaddr_in got;
  socklen_t gl = sizeof got;
  if (bind(fd, (const struct sockaddr *)&a->sa, sizeof a->sa) != 0 ||
      getsockname(fd, (struct sockaddr *)&got, &gl) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  *port = ntohs(got.sin_port);
  return fd;
}

static int make_tcp(const bind_args *a, int backlog, int *port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int on = 1;
  /* As libuv does for every TCP listener: a restarted resolver rebinds past TIME_WAIT. */
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in got;
  socklen_t gl = sizeof got;
  if (bind(fd, (const struct sockaddr *)&a->sa, sizeof a->sa) != 0 || listen(fd, backlog) != 0 ||
      getsockname(fd, (struct sockaddr *)&got, &gl) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  *port = ntohs(got.sin_port);
  return fd;
}

/* Makes the socket, in the namespace when one is given; throws (and returns -1) on failure. */
static int bind_in(napi_env env, const bind_args *a, sock_maker make, int extra, int *port) {
  int orig = -1;
  if (a->has_ns) {
    int r = enter_ns(a->ns, &orig);
    if (r < 0) {
      throw_errno(env, r, "udp-batch: cannot enter the network namespace");
      return -1;
    }
  }
  int fd = make(a, extra, port);
  if (a->has_ns) {
    int r = leave_ns(orig);
    if (r < 0) {
      if (fd >= 0) close(fd);
      /* The thread answers (and forwards) from the wrong namespace now: the caller must end it. */
      throw_plain(env, "ENETNS_STUCK", "udp-batch: cannot return to the thread's own network namespace");
      return -1;
    }
  }
  if (fd < 0) {
    throw_errno(env, fd, "udp-batch: bind");
    return -1;
  }
  return fd;
}

/* bindUdp(addr, port, netnsPath | null) -> { fd, port } */
static napi_value bind_udp(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out, v;
  bind_args a;
  int port = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return throw_plain(env, "ERR_MISSING_ARGS", "udp-batch: bindUdp(addr, port, netns)");
  if (read_bind_args(env, argv, &a) != 0) return NULL;
  int fd = bind_in(env, &a, make_udp, 0, &port);
  if (fd < 0) return NULL;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_int32(env, fd, &v));
  CHECK(napi_set_named_property(env, out, "fd", v));
  CHECK(napi_create_int32(env, port, &v));
  CHECK(napi_set_named_property(env, out, "port", v));
  return out;
}

/* bindTcpListen(addr, port, netnsPath | null, backlog) -> fd (listening; net.Server.listen({ fd }) takes it) */
static napi_value bind_tcp_listen(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], out;
  bind_args a;
  int port = 0;
  int32_t backlog = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) return throw_plain(env, "ERR_MISSING_ARGS", "udp-batch: bindTcpListen(addr, port, netns, backlog)");
  if (read_bind_args(env, argv, &a) != 0) return NULL;
  if (napi_get_value_int32(env, argv[3], &backlog) != napi_ok || backlog < 1 || backlog > 65535)
    return throw_plain(env, "ERR_INVALID_ARG_VALUE", "udp-batch: backlog must be 1..65535");
  int fd = bind_in(env, &a, make_tcp, backlog, &port);
  if (fd < 0) return NULL;
  CHECK(napi_create_int32(env, fd, &out));
  return out;
}

/* closeFd(fd): a socket bound here that is not used after all. */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0)
    return throw_plain(env, "ERR_INVALID_ARG_VALUE", "udp-batch: closeFd(fd)");
  close(fd);
  return NULL;
}

static void release(batch_t *b) {
  if (--b->refs == 0) free(b);
}

static void on_closed(uv_handle_t *h) {
  batch_t *b = (batch_t *)h->data;
  close(b->fd);
  b->fd = -1;
  if (b->hook != NULL) {
    napi_async_cleanup_hook_handle hook = b->hook;
    b->hook = NULL;
    napi_remove_async_cleanup_hook(hook);
  }
  release(b);
}

/* Stops reading, lets go of the buffers and the callback, closes the socket once libuv is done with it. */
static void stop_batch(batch_t *b) {
  if (b->closing) return;
  b->closing = 1;
  uv_poll_stop(&b->poll);
  napi_delete_reference(b->env, b->in_ref);
  napi_delete_reference(b->env, b->out_ref);
  napi_delete_reference(b->env, b->cb_ref);
  napi_async_destroy(b->env, b->actx);
  uv_close((uv_handle_t *)&b->poll, on_closed);
}

/* The thread (worker) ends: its loop must have no handle of ours left open. */
static void on_env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  batch_t *b = (batch_t *)arg;
  (void)handle;
  stop_batch(b);
}

static void on_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  batch_t *b = (batch_t *)data;
  stop_batch(b);
  release(b);
}

/* Sends out slots [0, n): partial sends continue; a message the kernel refuses is skipped and counted. */
static void send_slots(batch_t *b, int n) {
  uint32_t *hdr = (uint32_t *)b->out;
  int count = 0;
  for (int i = 0; i < n; i++) {
    uint32_t len = hdr[i * 4];
    if (len > SLOT) {
      b->dropped++;
      continue;
    }
    b->sdst[count].sin_family = AF_INET;
    b->sdst[count].sin_addr.s_addr = htonl(hdr[i * 4 + 1]);
    b->sdst[count].sin_port = htons((uint16_t)hdr[i * 4 + 2]);
    b->siov[count].iov_base = b->out + BATCH * HDR + (size_t)i * SLOT;
    b->siov[count].iov_len = len;
    struct msghdr *m = &b->smsg[count].msg_hdr;
    memset(m, 0, sizeof *m);
    m->msg_name = &b->sdst[count];
    m->msg_namelen = sizeof b->sdst[count];
    m->msg_iov = &b->siov[count];
    m->msg_iovlen = 1;
    count++;
  }
  int at = 0;
  while (at < count) {
    int r = sendmmsg(b->fd, &b->smsg[at], (unsigned)(count - at), MSG_DONTWAIT);
    if (r > 0) {
      at += r;
      b->sent += r;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      /* UDP: a full send buffer drops what is left, as the network would. */
      b->dropped += count - at;
      return;
    } else {
      /* This one message was refused (an ICMP error reported late, a bad destination): skip it. */
      b->dropped++;
      at++;
    }
  }
}

/* Calls onBatch(count) and returns how many out slots it filled, or -1 when it threw. */
static int call_js(batch_t *b, int count) {
  napi_env env = b->env;
  napi_handle_scope scope;
  napi_value cb, recv, arg, result;
  int32_t n = 0;
  int ok = 1;
  napi_open_handle_scope(env, &scope);
  napi_get_reference_value(env, b->cb_ref, &cb);
  napi_get_global(env, &recv);
  napi_create_int32(env, count, &arg);
  napi_status s = napi_make_callback(env, b->actx, recv, cb, 1, &arg, &result);
  if (s != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      /* As any uncaught error in the thread: it ends, and the agent starts it again. */
      napi_fatal_exception(env, err);
    }
    ok = 0;
  } else if (napi_get_value_int32(env, result, &n) != napi_ok || n < 0) {
    n = 0;
  }
  napi_close_handle_scope(env, scope);
  if (!ok) return -1;
  return n > BATCH ? BATCH : n;
}

static void on_readable(uv_poll_t *h, int status, int events) {
  batch_t *b = (batch_t *)h->data;
  (void)events;
  if (status < 0 || b->closing) return;
  uint32_t *hdr = (uint32_t *)b->in;
  for (int round = 0; round < MAX_ROUNDS && !b->closing; round++) {
    for (int i = 0; i < BATCH; i++) {
      b->riov[i].iov_base = b->in + BATCH * HDR + (size_t)i * SLOT;
      b->riov[i].iov_len = SLOT;
      struct msghdr *m = &b->rmsg[i].msg_hdr;
      m->msg_name = &b->rsrc[i];
      m->msg_namelen = sizeof b->rsrc[i];
      m->msg_iov = &b->riov[i];
      m->msg_iovlen = 1;
      m->msg_control = NULL;
      m->msg_controllen = 0;
      m->msg_flags = 0;
      b->rmsg[i].msg_len = 0;
    }
    int r = recvmmsg(b->fd, b->rmsg, BATCH, MSG_DONTWAIT, NULL);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      /* EINTR, or an ICMP error queued on the socket (reported once, then cleared): read on. */
      continue;
    }
    if (r == 0) return;
    for (int i = 0; i < r; i++) {
      const struct msghdr *m = &b->rmsg[i].msg_hdr;
      int v4 = m->msg_namelen >= sizeof(struct sockaddr_in) && b->rsrc[i].sin_family == AF_INET;
      hdr[i * 4] = b->rmsg[i].msg_len > SLOT ? SLOT : b->rmsg[i].msg_len;
      hdr[i * 4 + 1] = v4 ? ntohl(b->rsrc[i].sin_addr.s_addr) : 0;
      hdr[i * 4 + 2] = v4 ? ntohs(b->rsrc[i].sin_port) : 0;
      hdr[i * 4 + 3] = (m->msg_flags & MSG_TRUNC) ? FLAG_TRUNC : 0;
    }
    b->received += r;
    int n = call_js(b, r);
    if (n < 0) return;
    if (n > 0 && !b->closing) send_slots(b, n);
    if (r < BATCH) return;
  }
}

static batch_t *unwrap_this(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok || data == NULL) {
    throw_plain(env, "ERR_INVALID_THIS", "udp-batch: not a batch loop");
    return NULL;
  }
  return (batch_t *)data;
}

/* loop.send(n): sends out slots [0, n) now (onBatch's return value does the same after each batch). */
static napi_value batch_send(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n = 0;
  batch_t *b = unwrap_this(env, info, &argc, argv);
  if (b == NULL) return NULL;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 0 || n > BATCH)
    return throw_plain(env, "ERR_INVALID_ARG_VALUE", "udp-batch: send(n) with 0 <= n <= 64");
  if (!b->closing && n > 0) send_slots(b, n);
  return NULL;
}

/* loop.sendOne(buffer, addr, port): one datagram from anywhere (forwarded answers, oversized ones). */
static napi_value batch_send_one(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  void *data = NULL;
  size_t len = 0;
  uint32_t addr = 0, port = 0;
  batch_t *b = unwrap_this(env, info, &argc, argv);
  if (b == NULL) return NULL;
  if (argc < 3 || napi_get_buffer_info(env, argv[0], &data, &len) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &addr) != napi_ok || napi_get_value_uint32(env, argv[2], &port) != napi_ok ||
      port > 65535)
    return throw_plain(env, "ERR_INVALID_ARG_VALUE", "udp-batch: sendOne(buffer, addr, port)");
  if (b->closing) return NULL;
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(addr);
  to.sin_port = htons((uint16_t)port);
  ssize_t r;
  do r = sendto(b->fd, data, len, MSG_DONTWAIT, (const struct sockaddr *)&to, sizeof to);
  while (r < 0 && errno == EINTR);
  if (r < 0) b->dropped++;
  else b->sent++;
  return NULL;
}

static napi_value batch_stop(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  batch_t *b = unwrap_this(env, info, &argc, NULL);
  if (b != NULL) stop_batch(b);
  return NULL;
}

/* loop.stats() -> { received, sent, dropped } */
static napi_value batch_stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value out, v;
  batch_t *b = unwrap_this(env, info, &argc, NULL);
  if (b == NULL) return NULL;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_double(env, b->received, &v));
  CHECK(napi_set_named_property(env, out, "received", v));
  CHECK(napi_create_double(env, b->sent, &v));
  CHECK(napi_set_named_property(env, out, "sent", v));
  CHECK(napi_create_double(env, b->dropped, &v));
  CHECK(napi_set_named_property(env, out, "dropped", v));
  return out;
}

static int buffer_of(napi_env env, napi_value v, uint8_t **data) {
  bool is_ab = false;
  size_t len = 0;
  void *p = NULL;
  if (napi_is_arraybuffer(env, v, &is_ab) != napi_ok || !is_ab) return -1;
  if (napi_get_arraybuffer_info(env, v, &p, &len) != napi_ok || len != BUF_SIZE || p == NULL) return -1;
  *data = (uint8_t *)p;
  return 0;
}

/*
 * startBatch(fd, inArrayBuffer, outArrayBuffer, onBatch) -> { send, sendOne, stop, stats }. Takes the
 * socket (closed by stop()). onBatch(count) reads `count` datagrams from the in buffer, writes answers
 * into the out buffer's slots and returns how many it wrote; they are sent before the next read.
 */
static napi_value start_batch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], self, name;
  int32_t fd = -1;
  uint8_t *in = NULL, *out = NULL;
  napi_valuetype t;
  uv_loop_t *loop = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) return throw_plain(env, "ERR_MISSING_ARGS", "udp-batch: startBatch(fd, in, out, onBatch)");
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0)
    return throw_plain(env, "ERR_INVALID_ARG_VALUE", "udp-batch: bad fd");
  if (buffer_of(env, argv[1], &in) != 0 || buffer_of(env, argv[2], &out) != 0 || in == out)
    return throw_plain(env, "ERR_INVALID_ARG_VALUE", "udp-batch: two ArrayBuffers of the layout's size");
  napi_typeof(env, argv[3], &t);
  if (t != napi_function) return throw_plain(env, "ERR_INVALID_ARG_TYPE", "udp-batch: onBatch must be a function");
  CHECK(napi_get_uv_event_loop(env, &loop));
  batch_t *b = (batch_t *)calloc(1, sizeof *b);
  if (b == NULL) return throw_plain(env, "ENOMEM", "udp-batch: out of memory");
  b->env = env;
  b->fd = fd;
  b->in = in;
  b->out = out;
  if (uv_poll_init(loop, &b->poll, fd) != 0) {
    free(b);
    return throw_plain(env, "EINVAL", "udp-batch: cannot poll that fd");
  }
  b->poll.data = b;
  b->refs = 2;
  napi_create_reference(env, argv[1], 1, &b->in_ref);
  napi_create_reference(env, argv[2], 1, &b->out_ref);
  napi_create_reference(env, argv[3], 1, &b->cb_ref);
  napi_create_object(env, &self);
  napi_create_string_utf8(env, "shoal:dns-udp-batch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, self, name, &b->actx);
  napi_add_async_cleanup_hook(env, on_env_cleanup, b, &b->hook);
  napi_property_descriptor methods[] = {
      {"send", NULL, batch_send, NULL, NULL, NULL, napi_default, NULL},
      {"sendOne", NULL, batch_send_one, NULL, NULL, NULL, napi_default, NULL},
      {"stop", NULL, batch_stop, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, batch_stats, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, self, sizeof methods / sizeof methods[0], methods);
  napi_wrap(env, self, b, on_finalize, NULL, NULL);
  uv_poll_start(&b->poll, UV_READABLE, on_readable);
  return self;
}

NAPI_MODULE_INIT() {
  napi_value v;
  napi_property_descriptor props[] = {
      {"bindUdp", NULL, bind_udp, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bindTcpListen", NULL, bind_tcp_listen, NULL, NULL, NULL, napi_enumerable, NULL},
      {"closeFd", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"startBatch", NULL, start_batch, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_create_int32(env, BATCH, &v);
  napi_set_named_property(env, exports, "BATCH", v);
  napi_create_int32(env, SLOT, &v);
  napi_set_named_property(env, exports, "SLOT", v);
  napi_create_int32(env, HDR, &v);
  napi_set_named_property(env, exports, "HDR", v);
  return exports;
}
