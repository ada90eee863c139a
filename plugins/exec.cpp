// exec: runs a direction's bytes through a program, so filters can be
// written in any language. The engine starts the programs and moves the
// bytes (Plugin::filter_program); this file only declares and checks them.
#include "log/log_text.hpp"
#include "plugin_api/registry.hpp"

#include <array>
#include <filesystem>

#include <unistd.h>

namespace qrexec_proxy {
namespace {

class Exec final : public Plugin {
 public:
  explicit Exec(const PluginOptions& options)
      : programs_{options.string_list("src2dst"), options.string_list("dst2src")} {}

  const std::vector<std::string>* filter_program(Direction direction) const override {
    const auto& program = programs_[index_of(direction)];
    return program.empty() ? nullptr : &program;
  }

 private:
  std::array<std::vector<std::string>, 2> programs_;
};

// A program must be there when the config is loaded, not fail a call later.
std::optional<OptionError> check_program(const std::string& option,
                                         const std::vector<std::string>& argv) {
  if (argv.empty()) return std::nullopt;
  for (const auto& argument : argv)
    if (argument.find('\0') != std::string::npos)
      return OptionError{option, "an argument holds a NUL byte"};
  const std::filesystem::path program = argv.front();
  if (!program.is_absolute())
    return OptionError{option, "the program must be an absolute path, not \"" +
                                   escape_for_log(argv.front()) + "\""};
  std::error_code error;
  if (!std::filesystem::is_regular_file(program, error) || ::access(program.c_str(), X_OK) != 0)
    return OptionError{option, escape_for_log(argv.front()) + " is no executable file"};
  return std::nullopt;
}

PluginDescriptor describe_exec() {
  const std::vector<std::string> no_program;
  PluginDescriptor descriptor{
      "exec",
      "Runs a direction's bytes through a program: a filter in any language.",
      "For each call, the proxy starts the program given for a direction; the bytes that reach "
      "this plugin in that direction go to the program's standard input, and what the program "
      "writes to its standard output is what the plugins after it, and the receiver, get. The "
      "program may change, drop or add bytes. When the sender ends the direction, the program's "
      "standard input ends; when the program closes its standard output (usually by exiting), "
      "the direction ends for the receiver. A program that exits with a status other than 0 "
      "aborts the call (status 124; the journal names the program and its status), even after "
      "its last byte: once a program has ended its output, the call does not end before it has "
      "exited. Its standard error goes to the journal, one record a line, never to the caller. "
      "It runs as the service's user, without the proxy's syscall filter, with the environment "
      "every program the proxy starts gets (HOME, USER, LOGNAME, LANG, LANGUAGE, LC_*, TZ and "
      "TMPDIR of the proxy's own, and PATH=/usr/local/bin:/usr/bin:/bin) plus "
      "QREXEC_PROXY_CALL_CHAIN, QREXEC_PROXY_CALL_SOURCE, "
      "QREXEC_PROXY_CALL_TARGET, QREXEC_PROXY_CALL_SERVICE and QREXEC_PROXY_CALL_DIRECTION "
      "(src2dst or dst2src). A program is given as its argument vector, the program first, as "
      "an absolute path: no shell, no PATH lookup. Each program costs a process per call and "
      "copies of the bytes through it; the other plugins keep their own data path.",
      {
          OptionSpec::string_list("src2dst",
                                  "The program for bytes from the source to the destination, as "
                                  "[\"/absolute/program\", \"argument\", ...]; empty: none.")
              .with_default(no_program),
          OptionSpec::string_list("dst2src",
                                  "The program for bytes from the destination back to the source, "
                                  "as [\"/absolute/program\", \"argument\", ...]; empty: none.")
              .with_default(no_program),
      },
      [](const PluginOptions& options) { return std::make_unique<Exec>(options); },
  };
  descriptor.validate = [](const PluginOptions& options) -> std::optional<OptionError> {
    if (auto error = check_program("src2dst", options.string_list("src2dst"))) return error;
    return check_program("dst2src", options.string_list("dst2src"));
  };
  return descriptor;
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_exec);

}  // namespace qrexec_proxy
