/*
 * qrexec-proxy external plugin interface.
 *
 * An external plugin is a shared object NAME.so in
 * /usr/lib/qubes-qrexec-proxy/plugins/ (template-wide) or
 * /usr/local/lib/qubes-qrexec-proxy/plugins/ (one qube, searched first). It
 * exports one function, qrexec_proxy_plugin(), returning a struct
 * qrp_plugin whose first member is the ABI version it was built for. A
 * chain names the plugin by NAME, exactly like a built-in one, and
 * configures it with the options it declares.
 *
 * The model is the built-in plugins' (see the README, "Writing a plugin"):
 * each direction of a call is a byte stream passing the chain's plugins in
 * order. A plugin is offered the bytes pending at it and answers with a
 * verdict on a prefix of them: pass them on (QRP_PASS, count; a count
 * smaller than the size holds the rest, which is offered again later), drop
 * them (QRP_DROP, needs QRP_DROPS_BYTES), or end the direction here
 * (QRP_CUT). A plugin that declares QRP_NEEDS_BYTES sees the bytes and may
 * change them in place before passing them on. It never sees a file
 * descriptor: the engine does all I/O.
 *
 * Everything is called from one thread. Pointers given to the plugin are
 * valid for the duration of the call they are passed to, except
 * qrp_host (valid until destroy) and the strings of qrp_call and
 * qrp_options (valid until destroy).
 */
#ifndef QREXEC_PROXY_PLUGIN_H
#define QREXEC_PROXY_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change; a plugin built for another version is
 * refused when the config is loaded. */
#define QREXEC_PROXY_PLUGIN_ABI_VERSION 1u

/* The symbol every plugin exports. */
#define QREXEC_PROXY_PLUGIN_ENTRY "qrexec_proxy_plugin"

enum qrp_direction { QRP_SRC2DST = 0, QRP_DST2SRC = 1 };

enum qrp_verdict_kind { QRP_PASS = 0, QRP_DROP = 1, QRP_CUT = 2 };

struct qrp_verdict {
  uint32_t kind;  /* enum qrp_verdict_kind */
  uint64_t count; /* bytes passed or dropped; ignored for QRP_CUT */
};

enum qrp_admission { QRP_ADMIT = 0, QRP_REFUSE = 1, QRP_FAIL = 2 };

enum qrp_priority { QRP_ERROR = 3, QRP_WARNING = 4, QRP_NOTICE = 5, QRP_INFO = 6, QRP_DEBUG = 7 };

enum qrp_needs {
  QRP_NEEDS_BYTES = 1u, /* qrp_data.bytes holds the contents (else only counts) */
  QRP_DROPS_BYTES = 2u  /* may answer QRP_DROP */
};

enum qrp_option_type {
  QRP_OPTION_INTEGER = 0,
  QRP_OPTION_NUMBER = 1,
  QRP_OPTION_BOOLEAN = 2,
  QRP_OPTION_STRING = 3
};

/* An option the plugin accepts. The config is checked against these when
 * it is loaded: unknown options and wrong types are config errors. */
struct qrp_option {
  const char *name;
  uint32_t type;             /* enum qrp_option_type */
  const char *default_value; /* as JSON ("-1", "0.5", "true", "\"?\""); NULL: required */
  const char *meaning;       /* one sentence, shown by qrexec-proxy-admin plugins */
};

/* The call, all names validated. */
struct qrp_call {
  const char *chain;
  const char *source;  /* the calling qube */
  const char *target;  /* the destination qube */
  const char *service; /* the destination service, with its +ARG if any */
};

/* Bytes pending at the plugin in one direction. */
struct qrp_data {
  uint32_t direction;   /* enum qrp_direction */
  uint64_t size;        /* bytes pending: what the verdict's count refers to */
  unsigned char *bytes; /* the `size` bytes if QRP_NEEDS_BYTES, else NULL; writable */
  int end_of_stream;    /* nothing will follow these bytes */
};

/* What the engine offers one plugin instance. `engine` goes back as the
 * first argument of every function. */
struct qrp_host {
  void *engine;
  const struct qrp_call *call;
  /* A journal record with the call's fields and PLUGIN=NAME. */
  void (*log)(void *engine, uint32_t priority, const char *message);
  /* A one-shot timer; on_timer(instance, host, id) runs when it fires. */
  uint32_t (*start_timer)(void *engine, uint64_t delay_ns);
  void (*cancel_timer)(void *engine, uint32_t timer);
  /* Ends the whole call now (exit status 124). */
  void (*abort)(void *engine, const char *reason);
  /* As QRP_CUT, from any callback. */
  void (*cut)(void *engine, uint32_t direction);
  /* Offers held bytes again. */
  void (*wake)(void *engine, uint32_t direction);
  /* While paused, nothing more is read from that direction's sender. */
  void (*pause_input)(void *engine, uint32_t direction, int paused);
  /* on_drained runs once, as soon as every byte that passed this plugin in
   * that direction has been delivered to the receiver, discarded, or held
   * by a later plugin of the chain (which takes them as a receiver would). */
  void (*notify_when_drained)(void *engine, uint32_t direction);
  /* Non-zero when the chain runs this plugin with "mode": "audit". */
  int (*audit_mode)(void *engine);
};

/* The plugin's options, complete (defaults filled in) and type-checked. */
struct qrp_options {
  const void *values;
  int64_t (*integer)(const void *values, const char *name);
  double (*number)(const void *values, const char *name);
  int (*boolean)(const void *values, const char *name);
  const char *(*string)(const void *values, const char *name);
};

struct qrp_plugin {
  uint32_t abi_version;    /* QREXEC_PROXY_PLUGIN_ABI_VERSION: always first */
  const char *name;        /* equal to the file's name without .so */
  const char *summary;     /* one line */
  const char *description; /* a paragraph */
  const struct qrp_option *options;
  size_t option_count;

  /* Optional. Checks option values beyond their types when the config is
   * loaded; returns 0 when they are fine, else non-zero with a message in
   * `error`, shown as a config error. */
  int (*validate)(const struct qrp_options *options, char *error, size_t error_size);
  /* A new instance for one call, or NULL with a message in `error`. */
  void *(*create)(const struct qrp_options *options, char *error, size_t error_size);
  void (*destroy)(void *instance);
  /* Optional. QRP_NEEDS_BYTES | QRP_DROPS_BYTES in `direction`; may set
   * *hold_bytes to the most bytes it holds pending at once. */
  uint32_t (*needs)(void *instance, uint32_t direction, uint64_t *hold_bytes);
  /* Optional (default: admit). Before the destination starts; a refusal
   * gives exit 126, a failure 125; `reason` is logged. */
  uint32_t (*on_start)(void *instance, const struct qrp_host *host, char *reason,
                       size_t reason_size);
  /* Optional (default: pass everything). */
  struct qrp_verdict (*on_data)(void *instance, const struct qrp_host *host,
                                const struct qrp_data *data);
  /* Optional. End of stream has passed the plugin in `direction`. */
  void (*on_end)(void *instance, const struct qrp_host *host, uint32_t direction);
  /* Optional. */
  void (*on_timer)(void *instance, const struct qrp_host *host, uint32_t timer);
  /* Optional. */
  void (*on_drained)(void *instance, const struct qrp_host *host, uint32_t direction);
};

/* Defined by the plugin, and exported (build with -fvisibility=hidden and
 * mark it QRP_EXPORT, so nothing else leaks into the proxy). */
#define QRP_EXPORT __attribute__((visibility("default")))
QRP_EXPORT const struct qrp_plugin *qrexec_proxy_plugin(void);

#ifdef __cplusplus
}
#endif

#endif /* QREXEC_PROXY_PLUGIN_H */
