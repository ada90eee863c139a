#include "plugin_api/external_plugin.hpp"

#include <qrexec-proxy/plugin.h>

#include "capabilities/file_sinks.hpp"
#include "capabilities/shared_state.hpp"
#include "input/names.hpp"
#include "log/log_text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>

#include <dlfcn.h>

namespace qrexec_proxy {
namespace {

// The first version of the C interface; every later one is compatible.
constexpr std::uint32_t kOldestAbiVersion = 1;

// Option values for the plugin, read through C function pointers. A plugin
// that asks for an option it did not declare gets a zero value: the C side
// cannot take an exception.
struct OptionAccess {
  static const PluginOptions& of(const void* values) {
    return *static_cast<const PluginOptions*>(values);
  }
  static std::int64_t integer(const void* values, const char* name) noexcept {
    try {
      return of(values).integer(name);
    } catch (...) {
      return 0;
    }
  }
  static double number(const void* values, const char* name) noexcept {
    try {
      return of(values).number(name);
    } catch (...) {
      return 0;
    }
  }
  static int boolean(const void* values, const char* name) noexcept {
    try {
      return of(values).boolean(name) ? 1 : 0;
    } catch (...) {
      return 0;
    }
  }
  static const char* string(const void* values, const char* name) noexcept {
    try {
      return of(values).string(name).c_str();
    } catch (...) {
      return "";
    }
  }
};

Direction direction_of(std::uint32_t value) {
  return value == QRP_DST2SRC ? Direction::dst2src : Direction::src2dst;
}

// Text a C plugin hands the journal: escaped like any untrusted text, with
// room for long messages.
constexpr std::size_t kMaxPluginText = 4096;
std::string safe_text(const char* text) {
  return escape_for_log(text != nullptr ? text : "", kMaxPluginText);
}

// Journal field names a plugin may add: [A-Z0-9_], a letter first.
bool is_field_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && name.front() >= 'A' && name.front() <= 'Z' &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
         });
}

// Scopes and names of shared state: plain file names.
bool is_state_name(const char* name) {
  if (name == nullptr) return false;
  const std::string_view text(name);
  return !text.empty() && text.size() <= 128 && text.front() != '.' && text.front() != '-' &&
         std::all_of(text.begin(), text.end(), [](char c) { return names::is_argument_char(c); });
}

void copy_error(std::string_view text, char* error, std::size_t error_size) {
  if (error == nullptr || error_size == 0) return;
  const std::size_t length = std::min(text.size(), error_size - 1);
  std::memcpy(error, text.data(), length);
  error[length] = '\0';
}

// One instance of an external plugin in one call.
class ExternalPlugin final : public Plugin {
 public:
  ExternalPlugin(const qrp_plugin& plugin, void* instance, std::unique_ptr<PluginOptions> options)
      : plugin_(plugin), instance_(instance), options_(std::move(options)) {}
  ~ExternalPlugin() override {
    if (plugin_.destroy != nullptr) plugin_.destroy(instance_);
  }

  DataNeeds needs(Direction direction) const override {
    std::uint64_t hold = 0;
    const std::uint32_t flags =
        plugin_.needs != nullptr ? plugin_.needs(instance_, index_of(direction), &hold) : 0;
    // inject_bytes exists from version 3 on: an older plugin's structure
    // ends before it.
    const std::uint64_t inject = plugin_.abi_version >= 3 && plugin_.inject_bytes != nullptr
                                     ? plugin_.inject_bytes(instance_, index_of(direction))
                                     : 0;
    return {(flags & QRP_NEEDS_BYTES) != 0, (flags & QRP_DROPS_BYTES) != 0,
            static_cast<std::size_t>(hold), static_cast<std::size_t>(inject)};
  }

  Admission on_start(PluginContext& context) override {
    if (plugin_.on_start == nullptr) return Admission::admit();
    std::array<char, 512> reason{};
    const std::uint32_t answer =
        plugin_.on_start(instance_, &host(context), reason.data(), reason.size());
    reason.back() = '\0';
    if (answer == QRP_ADMIT) return Admission::admit();
    std::string text =
        reason[0] != '\0' ? reason.data() : "refused by " + std::string(plugin_.name);
    return answer == QRP_REFUSE ? Admission::refuse(std::move(text))
                                : Admission::fail(std::move(text));
  }

  Verdict on_data(PluginContext& context, const DataView& data) override {
    if (plugin_.on_data == nullptr) return Verdict::pass(data.size);
    const qrp_data view{static_cast<std::uint32_t>(index_of(data.direction)), data.size,
                        data.untrusted_bytes.empty()
                            ? nullptr
                            : reinterpret_cast<unsigned char*>(data.untrusted_bytes.data()),
                        data.end_of_stream ? 1 : 0};
    const qrp_verdict verdict = plugin_.on_data(instance_, &host(context), &view);
    switch (verdict.kind) {
      case QRP_DROP:
        return Verdict::drop(verdict.count);
      case QRP_CUT:
        return Verdict::cut();
      default:
        return Verdict::pass(verdict.count);
    }
  }

  void on_end(PluginContext& context, Direction direction) override {
    if (plugin_.on_end != nullptr) plugin_.on_end(instance_, &host(context), index_of(direction));
  }
  void on_timer(PluginContext& context, TimerId id) override {
    if (plugin_.on_timer != nullptr) plugin_.on_timer(instance_, &host(context), id);
  }
  void on_drained(PluginContext& context, Direction direction) override {
    if (plugin_.on_drained != nullptr)
      plugin_.on_drained(instance_, &host(context), index_of(direction));
  }

 private:
  static PluginContext& context_of(void* engine) { return *static_cast<PluginContext*>(engine); }

  // The host table, built on the first callback: the context is the same
  // object for the whole call.
  const qrp_host& host(PluginContext& context) {
    if (!host_) {
      const CallInfo& info = context.call();
      call_ = qrp_call{info.chain.c_str(), info.source.c_str(), info.target.c_str(),
                       info.service.c_str()};
      host_ = qrp_host{
          &context,
          &call_,
          [](void* engine, std::uint32_t priority, const char* message) {
            context_of(engine).log(static_cast<Priority>(std::clamp<std::uint32_t>(priority, 3, 7)),
                                   safe_text(message));
          },
          [](void* engine, std::uint64_t delay_ns) -> std::uint32_t {
            return context_of(engine).start_timer(
                std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(
                    static_cast<std::int64_t>(std::min<std::uint64_t>(delay_ns, INT64_MAX)))));
          },
          [](void* engine, std::uint32_t timer) { context_of(engine).cancel_timer(timer); },
          [](void* engine, const char* reason) {
            context_of(engine).abort(reason != nullptr ? safe_text(reason) : "aborted");
          },
          [](void* engine, std::uint32_t direction) {
            context_of(engine).cut(direction_of(direction));
          },
          [](void* engine, std::uint32_t direction) {
            context_of(engine).wake(direction_of(direction));
          },
          [](void* engine, std::uint32_t direction, int paused) {
            context_of(engine).pause_input(direction_of(direction), paused != 0);
          },
          [](void* engine, std::uint32_t direction) {
            context_of(engine).notify_when_drained(direction_of(direction));
          },
          [](void* engine) -> int { return context_of(engine).audit_mode() ? 1 : 0; },
          // Version 2.
          [](void* engine, const char* action, const char* what) {
            context_of(engine).audit(safe_text(action), safe_text(what));
          },
          [](void* engine) -> std::uint64_t {
            return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                  context_of(engine).now().time_since_epoch())
                                                  .count());
          },
          [](void* engine, std::uint32_t priority, const char* message, const qrp_field* fields,
             std::size_t field_count) {
            // The engine adds PLUGIN: room for fifteen more.
            constexpr std::size_t kMostFields = 15;
            std::array<std::string, kMostFields> values;
            std::array<LogField, kMostFields> kept{};
            std::size_t count = 0;
            for (std::size_t i = 0; fields != nullptr && i < field_count && count < kMostFields;
                 ++i) {
              if (fields[i].name == nullptr || !is_field_name(fields[i].name)) continue;
              values[count] = safe_text(fields[i].value);
              kept[count] = {fields[i].name, values[count]};
              ++count;
            }
            context_of(engine).log(static_cast<Priority>(std::clamp<std::uint32_t>(priority, 3, 7)),
                                   safe_text(message), {kept.data(), count});
          },
          [](void* engine, const char* scope, const char* name,
             void (*update)(void*, const char*, std::size_t, qrp_set_contents, void*), void* data,
             char* error, std::size_t error_size) -> int {
            if (!is_state_name(scope) || !is_state_name(name) || update == nullptr) {
              copy_error("invalid scope or name of shared state", error, error_size);
              return -1;
            }
            SharedState& state = context_of(engine).shared_state();
            const std::string problem =
                state.update(state.directory(scope, ""), name, [&](std::string& contents) {
                  std::string updated = contents;
                  bool set = false;
                  struct Setter {
                    std::string* out;
                    bool* set;
                  } setter{&updated, &set};
                  update(
                      data, contents.data(), contents.size(),
                      [](void* target, const char* bytes, std::size_t size) {
                        auto* into = static_cast<Setter*>(target);
                        into->out->assign(bytes != nullptr ? bytes : "",
                                          bytes != nullptr ? size : 0);
                        *into->set = true;
                      },
                      &setter);
                  if (set) contents = std::move(updated);
                });
            if (problem.empty()) return 0;
            copy_error(problem, error, error_size);
            return -1;
          },
          [](void* engine, const char* scope, const char* name, std::uint32_t limit, char* error,
             std::size_t error_size) -> std::uint32_t {
            if (!is_state_name(scope) || !is_state_name(name) || limit == 0) {
              copy_error("invalid scope, name or limit of a slot", error, error_size);
              return QRP_SLOT_ERROR;
            }
            SharedState& state = context_of(engine).shared_state();
            std::string problem;
            switch (state.take_slot(state.directory(scope, ""), name, limit, problem)) {
              case SharedState::SlotResult::taken:
                return QRP_SLOT_TAKEN;
              case SharedState::SlotResult::all_busy:
                return QRP_SLOT_BUSY;
              case SharedState::SlotResult::error:
                break;
            }
            copy_error(problem, error, error_size);
            return QRP_SLOT_ERROR;
          },
          [](void* engine, const char* directory, const char* name, std::uint32_t* file,
             char* error, std::size_t error_size) -> int {
            if (directory == nullptr || name == nullptr || file == nullptr) {
              copy_error("no directory, name or file", error, error_size);
              return -1;
            }
            std::string problem;
            const auto created = context_of(engine).file_sinks().create(directory, name, problem);
            if (!created) {
              copy_error(problem, error, error_size);
              return -1;
            }
            *file = *created;
            return 0;
          },
          [](void* engine, std::uint32_t file, const void* bytes, std::size_t size) -> int {
            if (bytes == nullptr && size > 0) return EFAULT;
            return context_of(engine).file_sinks().write(
                file, {static_cast<const std::byte*>(bytes), size});
          },
          [](void* engine, std::uint32_t file) { context_of(engine).file_sinks().close(file); },
          // Version 3.
          [](void* engine, std::uint32_t direction, const void* bytes, std::size_t size) -> int {
            if (bytes == nullptr && size > 0) return -1;
            return context_of(engine).inject(direction_of(direction),
                                             {static_cast<const std::byte*>(bytes), size})
                       ? 0
                       : -1;
          },
      };
    }
    return *host_;
  }

  const qrp_plugin& plugin_;
  void* instance_;
  std::unique_ptr<PluginOptions> options_;  // the strings handed to the plugin live here
  qrp_call call_{};
  std::optional<qrp_host> host_;
};

std::variant<OptionSpec, std::string> convert_option(const qrp_option& option) {
  if (option.name == nullptr || option.name[0] == '\0') return std::string("an option has no name");
  OptionSpec spec;
  spec.name = option.name;
  spec.meaning = option.meaning != nullptr ? option.meaning : "";
  switch (option.type) {
    case QRP_OPTION_INTEGER:
      spec.type = OptionType::integer;
      break;
    case QRP_OPTION_NUMBER:
      spec.type = OptionType::number;
      break;
    case QRP_OPTION_BOOLEAN:
      spec.type = OptionType::boolean;
      break;
    case QRP_OPTION_STRING:
      spec.type = OptionType::string;
      break;
    default:
      return "option " + spec.name + " has an unknown type";
  }
  if (option.default_value != nullptr) {
    // The default goes through the same check as a configured value.
    const auto parsed = nlohmann::json::parse(option.default_value, nullptr, false);
    if (parsed.is_discarded()) return "option " + spec.name + " has a default that is not JSON";
    auto checked = validate_options({spec}, nlohmann::json{{spec.name, parsed}});
    if (auto* error = std::get_if<OptionError>(&checked))
      return "option " + spec.name + "'s default " + error->message;
    spec.default_value = std::get<PluginOptions>(checked).values().at(spec.name);
  }
  return spec;
}

}  // namespace

std::variant<std::unique_ptr<PluginDescriptor>, std::string> load_external_plugin(
    const std::filesystem::path& file, std::string_view expected_name) {
  const std::string where = file.string() + ": ";
  void* library = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = ::dlerror();
    return where + "cannot load: " + (why != nullptr ? why : "unknown error");
  }
  using Entry = const qrp_plugin* (*)();
  const auto entry = reinterpret_cast<Entry>(::dlsym(library, QREXEC_PROXY_PLUGIN_ENTRY));
  if (entry == nullptr) return where + "no " + QREXEC_PROXY_PLUGIN_ENTRY + "() entry point";
  const qrp_plugin* plugin = entry();
  if (plugin == nullptr) return where + QREXEC_PROXY_PLUGIN_ENTRY + "() returned nothing";
  // Versions only add at the ends of the structures: an older plugin works
  // with a newer proxy, never the other way round.
  if (plugin->abi_version < kOldestAbiVersion ||
      plugin->abi_version > QREXEC_PROXY_PLUGIN_ABI_VERSION)
    return where + "built for plugin ABI version " + std::to_string(plugin->abi_version) +
           ", this proxy supports versions " + std::to_string(kOldestAbiVersion) + " to " +
           std::to_string(QREXEC_PROXY_PLUGIN_ABI_VERSION);
  if (plugin->name == nullptr || plugin->name != expected_name)
    return where + "declares the name \"" + std::string(plugin->name ? plugin->name : "") +
           "\", expected \"" + std::string(expected_name) + "\"";
  if (plugin->create == nullptr) return where + "has no create function";

  auto descriptor = std::make_unique<PluginDescriptor>();
  descriptor->name = plugin->name;
  descriptor->summary = plugin->summary != nullptr ? plugin->summary : "";
  descriptor->description = plugin->description != nullptr ? plugin->description : "";
  descriptor->library = file;
  for (std::size_t i = 0; i < plugin->option_count; ++i) {
    auto option = convert_option(plugin->options[i]);
    if (auto* error = std::get_if<std::string>(&option)) return where + *error;
    descriptor->options.push_back(std::move(std::get<OptionSpec>(option)));
  }
  descriptor->create = [plugin](const PluginOptions& options) -> std::unique_ptr<Plugin> {
    // The options outlive the instance: the plugin may keep their strings.
    auto kept = std::make_unique<PluginOptions>(options);
    const qrp_options access{kept.get(), OptionAccess::integer, OptionAccess::number,
                             OptionAccess::boolean, OptionAccess::string};
    std::array<char, 512> error{};
    void* instance = plugin->create(&access, error.data(), error.size());
    if (instance == nullptr) {
      error.back() = '\0';
      throw std::runtime_error(std::string(plugin->name) + ": cannot create: " + error.data());
    }
    return std::make_unique<ExternalPlugin>(*plugin, instance, std::move(kept));
  };
  if (plugin->validate != nullptr) {
    descriptor->validate = [plugin](const PluginOptions& options) -> std::optional<OptionError> {
      const qrp_options access{&options, OptionAccess::integer, OptionAccess::number,
                               OptionAccess::boolean, OptionAccess::string};
      std::array<char, 512> error{};
      if (plugin->validate(&access, error.data(), error.size()) == 0) return std::nullopt;
      error.back() = '\0';
      return OptionError{"", error[0] != '\0' ? error.data() : "invalid options"};
    };
  }
  return descriptor;
}

}  // namespace qrexec_proxy
