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
 *
 * The bytes a plugin is offered come from the qubes on either side of the
 * call: they are untrusted, whatever they claim to be.
 *
 * The system call filter. Once a call is set up (after on_start of every
 * plugin, before the first byte moves), the proxy installs a seccomp
 * allow-list: from then on a plugin may compute, allocate memory, keep
 * time and use the host's functions, and nothing else. Opening files
 * fails with EPERM; making sockets, starting programs, signalling other
 * processes or mapping executable memory kills the process. Do the wide
 * work in on_start (open what you need, or better, ask the host: files
 * through file_create, shared state through update_state and take_slot)
 * and only use it afterwards.
 */
#ifndef QREXEC_PROXY_PLUGIN_H
#define QREXEC_PROXY_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this interface. It grows only compatibly: structures gain
 * members at their end, never lose or reorder any, so a plugin built for
 * an older version keeps working with a newer proxy; a plugin built for a
 * newer version than the proxy's is refused when the config is loaded.
 * Version 2 added the host functions after audit_mode (audit, now_ns,
 * log_fields, update_state, take_slot, file_create, file_write,
 * file_close). Version 3 added the host's inject and the plugin's
 * inject_bytes. */
#define QREXEC_PROXY_PLUGIN_ABI_VERSION 3u

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

/* One extra field of a journal record: NAME is [A-Z0-9_], at most 64
 * characters, starting with a letter; fields with other names are left
 * out. VALUE is escaped like the message. */
struct qrp_field {
  const char *name;
  const char *value;
};

/* The answer of take_slot. */
enum qrp_slot { QRP_SLOT_TAKEN = 0, QRP_SLOT_BUSY = 1, QRP_SLOT_ERROR = 2 };

/* How update_state's callback gives the record's new contents. */
typedef void (*qrp_set_contents)(void *setter, const char *bytes, size_t size);

/* What the engine offers one plugin instance. `engine` goes back as the
 * first argument of every function. Text given to the host (messages,
 * field values, audit texts) is escaped before it reaches the journal:
 * control bytes and anything but printable ASCII appear as \xNN. */
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

  /* Version 2. */

  /* An audit record (EVENT=audit, ACTION=action): what the plugin would
   * have done, in audit mode, instead of doing it; `what` completes "PLUGIN
   * would ...". qrexec-proxy-admin log --audit lists these. The engine
   * already turns refusals, aborts, cuts and drops into audit records; a
   * plugin whose enforcement is something else (rewriting, delaying)
   * reports it here. */
  void (*audit)(void *engine, const char *action, const char *what);
  /* A monotonic clock in nanoseconds (not wall-clock time). */
  uint64_t (*now_ns)(void *engine);
  /* log with extra fields (struct qrp_field). */
  void (*log_fields)(void *engine, uint32_t priority, const char *message,
                     const struct qrp_field *fields, size_t field_count);
  /* State shared by every call of this proxy qube, in small records under
   * the state directory: reads record `name` of `scope` (each a plain file
   * name: letters, digits, '_', '.', '-', '+', not starting with '.'), lets
   * `update` replace its contents (it gets the old ones and may call
   * set(setter, bytes, size); without a call they stay), and writes them
   * back, all under a lock that the kernel drops if the process dies.
   * Returns 0, or -1 with a message in `error`. Call it in on_start: later
   * the system call filter refuses opening files. */
  int (*update_state)(void *engine, const char *scope, const char *name,
                      void (*update)(void *data, const char *contents, size_t size,
                                     qrp_set_contents set, void *setter),
                      void *data, char *error, size_t error_size);
  /* Takes one of `limit` slots named `name` in `scope` and holds it until
   * the call ends or the process dies (a concurrency limit across calls).
   * Returns enum qrp_slot; on QRP_SLOT_ERROR a message is in `error`. Call
   * it in on_start. */
  uint32_t (*take_slot)(void *engine, const char *scope, const char *name, uint32_t limit,
                        char *error, size_t error_size);
  /* Creates the new file `name` (a plain file name) in the absolute
   * `directory` (made with mode 0700 when missing) with mode 0600, never
   * over an existing file or through a symbolic link, and gives its id in
   * *file. Returns 0, or -1 with a message in `error`. Call it in on_start;
   * writing works for the whole call. */
  int (*file_create)(void *engine, const char *directory, const char *name, uint32_t *file,
                     char *error, size_t error_size);
  /* Writes all of `bytes` to a file of file_create. Returns 0, or an errno
   * value (EBADF for a closed or unknown file). */
  int (*file_write)(void *engine, uint32_t file, const void *bytes, size_t size);
  /* Closes a file of file_create now (every file is closed when the call
   * ends). */
  void (*file_close)(void *engine, uint32_t file);

  /* Version 3. */

  /* Puts `size` bytes of the plugin's own into `direction`, right after
   * every byte it has passed so far and before any it passes later: later
   * plugins and the receiver take them as if they had passed this plugin;
   * plugins before it never see them. The bytes are copied at once. Room
   * for inject_bytes (the plugin's function) is kept free of the sender's
   * bytes, so an injection of at most that many bytes succeeds whenever
   * the plugin's earlier injections in the direction have drained
   * (notify_when_drained). Nothing can follow the end of a stream: once
   * the end has passed the plugin or it has cut the direction, injecting
   * fails; to answer and then end, inject, then cut. An injection inside
   * on_data of the same direction moves the pending bytes: the
   * qrp_data.bytes pointer is stale afterwards (the verdict still counts
   * the pending bytes). Returns 0, or -1 when nothing was injected (no
   * room, the end reached, no inject_bytes declared, or during on_start,
   * before the streams exist). In audit mode the injection is reported,
   * not done, and returns 0. */
  int (*inject)(void *engine, uint32_t direction, const void *bytes, size_t size);
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

  /* Version 3. */

  /* Optional. The most bytes of its own the plugin injects at once in
   * `direction` (host->inject); 0: none. */
  uint64_t (*inject_bytes)(void *instance, uint32_t direction);
};

/* Defined by the plugin, and exported (build with -fvisibility=hidden and
 * mark it QRP_EXPORT, so nothing else leaks into the proxy). */
#define QRP_EXPORT __attribute__((visibility("default")))
QRP_EXPORT const struct qrp_plugin *qrexec_proxy_plugin(void);

#ifdef __cplusplus
}
#endif

#endif /* QREXEC_PROXY_PLUGIN_H */
