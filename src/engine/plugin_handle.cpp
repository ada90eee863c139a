#include "engine/plugin_handle.hpp"

#include <array>
#include <string>

namespace qrexec_proxy {

TimerId PluginHandle::start_timer(Clock::duration delay) {
  return services_.timers.start(index_, Clock::now() + delay);
}

void PluginHandle::log(Priority priority, std::string_view message,
                       std::span<const LogField> fields) {
  if (!services_.plugin_records.take()) return;
  // Room for the plugin's own fields plus PLUGIN; more are left out.
  std::array<LogField, 16> all{};
  std::size_t count = 0;
  all[count++] = {journal_field::plugin, plugin_.name};
  for (const auto& field : fields)
    if (count < all.size()) all[count++] = field;
  services_.journal.send(priority, journal_event::plugin, message, {all.data(), count});
}

void PluginHandle::abort(std::string_view reason) {
  if (audit_mode()) return audit("abort", "abort the call (" + std::string(reason) + ")");
  services_.requests.plugin_abort(index_, reason);
}

void PluginHandle::cut(Direction direction) {
  if (audit_mode()) return audit("cut", "cut " + std::string(to_string(direction)));
  services_.requests.plugin_cut(index_, direction);
}

bool PluginHandle::inject(Direction direction, std::span<const std::byte> bytes) {
  if (audit_mode()) {
    audit("inject", "inject " + std::to_string(bytes.size()) + " bytes in " +
                        std::string(to_string(direction)));
    return true;
  }
  return services_.requests.plugin_inject(index_, direction, bytes);
}

void PluginHandle::audit(std::string_view action, std::string_view what) {
  if (!services_.plugin_records.take()) return;
  const LogField fields[] = {{journal_field::plugin, plugin_.name},
                             {journal_field::action, action}};
  services_.journal.send(
      Priority::notice, journal_event::audit,
      std::string(journal_text::audit_prefix) + plugin_.name + " would " + std::string(what),
      fields);
}

}  // namespace qrexec_proxy
