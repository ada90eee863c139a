// record: writes each direction of a call to its own file.
#include "capabilities/file_sinks.hpp"
#include "log/log_text.hpp"
#include "plugin_api/registry.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>

#include <unistd.h>

namespace qrexec_proxy {
namespace {

// 20240131T235959.123456Z: UTC, sortable, no characters a shell minds.
std::string utc_timestamp(std::chrono::system_clock::time_point now) {
  const auto since_epoch = now.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - seconds);
  const std::time_t time = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  ::gmtime_r(&time, &utc);
  char text[40];
  const std::size_t length = std::strftime(text, sizeof text, "%Y%m%dT%H%M%S", &utc);
  std::snprintf(text + length, sizeof text - length, ".%06lldZ",
                static_cast<long long>(micros.count()));
  return text;
}

class Record final : public Plugin {
 public:
  explicit Record(const PluginOptions& options)
      : directory_(options.string("dir")), left_(options.integer("max_bytes")) {}

  DataNeeds needs(Direction) const override { return {true, false, 0}; }

  Admission on_start(PluginContext& context) override {
    const CallInfo& call = context.call();
    // Chain and qube names are validated (no '/', never ".."), and '+' is
    // in none of them, so the name is one safe path component that parses
    // back unambiguously. The pid tells apart calls of the same microsecond.
    const std::string stem = utc_timestamp(std::chrono::system_clock::now()) + "+" + call.chain +
                             "+" + call.source + "+" + call.target + "+" +
                             std::to_string(::getpid());
    for (const Direction direction : kBothDirections) {
      std::string error;
      const auto sink = context.file_sinks().create(
          directory_, stem + "." + std::string(to_string(direction)), error);
      if (!sink) return Admission::fail("record: " + error);
      sinks_[index_of(direction)] = *sink;
    }
    return Admission::admit();
  }

  Verdict on_data(PluginContext& context, const DataView& data) override {
    auto& sink = sinks_[index_of(data.direction)];
    if (!sink || left_ == 0) return Verdict::pass(data.size);
    std::span<const std::byte> bytes = data.untrusted_bytes;
    if (left_ > 0 && bytes.size() > static_cast<std::uint64_t>(left_))
      bytes = bytes.first(static_cast<std::size_t>(left_));
    if (const int error = context.file_sinks().write(*sink, bytes); error != 0) {
      // Recording was asked for: a call that can no longer be recorded
      // does not go on unrecorded.
      context.abort(std::string("record: cannot write ") + std::string(to_string(data.direction)) +
                    ": " + std::strerror(error));
      // Should the call go on all the same (the engine may only record what
      // a plugin would do), this direction is no longer recorded.
      context.file_sinks().close(*sink);
      sink.reset();
      return Verdict::pass(data.size);
    }
    if (left_ > 0) {
      left_ -= static_cast<std::int64_t>(bytes.size());
      if (left_ == 0)
        context.log(Priority::notice,
                    "record: max_bytes reached, the rest of the call is not recorded");
    }
    return Verdict::pass(data.size);
  }

  void on_end(PluginContext& context, Direction direction) override {
    if (auto& sink = sinks_[index_of(direction)]) {
      context.file_sinks().close(*sink);
      sink.reset();
    }
  }

 private:
  std::filesystem::path directory_;
  std::int64_t left_;  // bytes still to record, both directions together; -1: no limit
  std::array<std::optional<FileSinks::Id>, 2> sinks_;
};

std::optional<OptionError> validate_record(const PluginOptions& options) {
  const std::string& dir = options.string("dir");
  if (dir.empty() || dir.front() != '/')
    return OptionError{"dir", "must be an absolute path, not \"" + escape_for_log(dir) + "\""};
  if (dir.find('\0') != std::string::npos) return OptionError{"dir", "holds a NUL character"};
  return std::nullopt;
}

PluginDescriptor describe_record() {
  PluginDescriptor descriptor{
      "record",
      "Writes both directions of every call to files.",
      "Each call gets two new files in `dir`, TIME+CHAIN+SOURCE+TARGET+PID.src2dst and "
      "TIME+CHAIN+SOURCE+TARGET+PID.dst2src, where TIME is the call's start in UTC "
      "(`20240131T235959.123456Z`) and PID the proxy's process; no name holds a `+`, so a file "
      "name splits back into its parts. They hold the bytes of each direction as they pass this "
      "plugin, in "
      "order: put record first in a chain to record what the caller sent and what it was sent, "
      "last to record what the destination got and sent. The files are created new (never over "
      "an existing file or through a symlink) with mode 0600. Once `max_bytes` have been "
      "recorded the rest of the call is not (a journal record says so), but goes on. The files "
      "are made when the call starts: a call that a later plugin of the chain refuses leaves two "
      "empty files, so put allow and max_conn before record. If the files cannot be created the "
      "call fails with status 125 before the destination starts; "
      "if one cannot be written (a full disk) the call is aborted (status 124). This plugin "
      "reads every byte, so its directions are copied through the proxy's memory.",
      {
          OptionSpec::string("dir",
                             "Absolute path of the directory the files go to. Created with mode "
                             "0700 when missing (its parent must exist); it must be writable by "
                             "the user the service runs as."),
          OptionSpec::integer("max_bytes", "Bytes recorded per call, both directions together.")
              .with_default(10485760)
              .at_least(0)
              .or_off(-1, "no limit"),
      },
      [](const PluginOptions& options) { return std::make_unique<Record>(options); },
  };
  descriptor.validate = validate_record;
  return descriptor;
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_record);

}  // namespace qrexec_proxy
