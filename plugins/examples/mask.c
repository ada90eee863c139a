/*
 * mask: an external plugin, and the example for plugin authors.
 *
 * Replaces every byte that is not printable ASCII, a newline or a tab with
 * a replacement character, in place, so that what reaches the receiver
 * cannot drive a terminal or smuggle bytes past a text parser. At the end of
 * each direction it logs how many bytes it masked. In audit mode it changes
 * nothing and reports, as an audit record, what it would have masked.
 *
 * Build: cc -shared -fPIC -fvisibility=hidden -o mask.so mask.c
 * Install: /usr/lib/qubes-qrexec-proxy/plugins/mask.so
 */
#include <qrexec-proxy/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mask {
  int enabled[2]; /* per direction */
  unsigned char replacement;
  unsigned long long masked[2];
};

static const struct qrp_option mask_options[] = {
    {"direction", QRP_OPTION_STRING, "\"both\"", "Where to mask: src2dst, dst2src or both."},
    {"replacement", QRP_OPTION_STRING, "\"?\"",
     "The printable ASCII character that masked bytes become."},
};

/* Reads the options into `mask`; on a bad value writes why to `error`. */
static int read_options(const struct qrp_options* options, struct mask* mask, char* error,
                        size_t error_size) {
  const char* direction = options->string(options->values, "direction");
  const char* replacement = options->string(options->values, "replacement");
  mask->enabled[QRP_SRC2DST] = strcmp(direction, "src2dst") == 0 || strcmp(direction, "both") == 0;
  mask->enabled[QRP_DST2SRC] = strcmp(direction, "dst2src") == 0 || strcmp(direction, "both") == 0;
  if (!mask->enabled[QRP_SRC2DST] && !mask->enabled[QRP_DST2SRC]) {
    snprintf(error, error_size, "direction must be src2dst, dst2src or both, not \"%s\"",
             direction);
    return -1;
  }
  if (strlen(replacement) != 1 || replacement[0] < 0x20 || replacement[0] > 0x7e) {
    snprintf(error, error_size, "replacement must be one printable ASCII character");
    return -1;
  }
  mask->replacement = (unsigned char)replacement[0];
  return 0;
}

static int mask_validate(const struct qrp_options* options, char* error, size_t error_size) {
  struct mask mask;
  return read_options(options, &mask, error, error_size);
}

static void* mask_create(const struct qrp_options* options, char* error, size_t error_size) {
  struct mask* mask = calloc(1, sizeof *mask);
  if (mask == NULL) {
    snprintf(error, error_size, "out of memory");
    return NULL;
  }
  if (read_options(options, mask, error, error_size) != 0) {
    free(mask);
    return NULL;
  }
  return mask;
}

static void mask_destroy(void* instance) {
  free(instance);
}

static uint32_t mask_needs(void* instance, uint32_t direction, uint64_t* hold_bytes) {
  (void)hold_bytes;
  return ((struct mask*)instance)->enabled[direction] ? QRP_NEEDS_BYTES : 0;
}

static int is_plain(unsigned char c) {
  return c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f);
}

static struct qrp_verdict mask_on_data(void* instance, const struct qrp_host* host,
                                       const struct qrp_data* data) {
  struct mask* mask = instance;
  struct qrp_verdict pass_all = {QRP_PASS, data->size};
  if (data->bytes == NULL) return pass_all;
  const int audit = host->audit_mode(host->engine);
  for (uint64_t i = 0; i < data->size; ++i) {
    if (is_plain(data->bytes[i])) continue;
    ++mask->masked[data->direction];
    if (!audit) data->bytes[i] = mask->replacement;
  }
  return pass_all;
}

static void mask_on_end(void* instance, const struct qrp_host* host, uint32_t direction) {
  struct mask* mask = instance;
  if (mask->masked[direction] == 0) return;
  const char* name = direction == QRP_SRC2DST ? "src2dst" : "dst2src";
  char text[128];
  if (host->audit_mode(host->engine)) {
    /* An audit record: `qrexec-proxy-admin log --audit` lists the call. */
    snprintf(text, sizeof text, "mask %llu bytes in %s", mask->masked[direction], name);
    host->audit(host->engine, "rewrite", text);
    return;
  }
  char count[24];
  snprintf(count, sizeof count, "%llu", mask->masked[direction]);
  const struct qrp_field fields[] = {{"DIRECTION", name}, {"MASKED_BYTES", count}};
  snprintf(text, sizeof text, "masked %s bytes in %s", count, name);
  host->log_fields(host->engine, QRP_NOTICE, text, fields, sizeof fields / sizeof fields[0]);
}

static const struct qrp_plugin mask_plugin = {
    .abi_version = QREXEC_PROXY_PLUGIN_ABI_VERSION,
    .name = "mask",
    .summary = "Replaces bytes that are not printable text with a harmless character.",
    .description =
        "Every byte that is not printable ASCII, a newline or a tab becomes the replacement "
        "character, in place, so that what reaches the receiver cannot drive a terminal (escape "
        "sequences) or pass raw bytes to a text parser. The length of the stream does not change. "
        "Logs how many bytes it masked in each direction (fields DIRECTION and MASKED_BYTES); in "
        "audit mode it changes nothing and writes an audit record of what it would have masked. "
        "An external plugin written in C against "
        "<qrexec-proxy/plugin.h>; its source is the example for plugin authors.",
    .options = mask_options,
    .option_count = sizeof mask_options / sizeof mask_options[0],
    .validate = mask_validate,
    .create = mask_create,
    .destroy = mask_destroy,
    .needs = mask_needs,
    .on_data = mask_on_data,
    .on_end = mask_on_end,
};

QRP_EXPORT const struct qrp_plugin* qrexec_proxy_plugin(void) {
  return &mask_plugin;
}
