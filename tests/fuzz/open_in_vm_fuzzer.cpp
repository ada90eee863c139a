// The name header of qubes.OpenInVM (src/input/open_in_vm_header) and the
// open_in_vm plugin, fed the same bytes in fuzzed chunks under fuzzed
// options.
//
// Besides never crashing:
//  - an accepted header's name is a plain file name (no '/', NUL or
//    control byte, not "." or ".."), and encoding it reads back the same;
//  - the plugin passes nothing before the whole header and, once it aborts,
//    nothing more; it never passes more than it was offered nor holds more
//    than it declared; with view_only it replaces the header with one that
//    says view-only; its records hold no control byte.
#include "fuzz_check.hpp"
#include "input/open_in_vm_header.hpp"
#include "plugin_api/registry.hpp"
#include "support/null_context.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <string>
#include <variant>

namespace {

using namespace qrexec_proxy;
using open_in_vm::kHeaderSize;

void check_header(const std::string& untrusted) {
  if (untrusted.size() < kHeaderSize) return;
  std::array<std::byte, kHeaderSize> bytes{};
  std::memcpy(bytes.data(), untrusted.data(), kHeaderSize);
  const auto parsed = open_in_vm::parse_header(bytes);
  FUZZ_CHECK(parsed.header.has_value() == parsed.error.empty());
  if (!parsed.header) return;
  const std::string& name = parsed.header->name;
  FUZZ_CHECK(!name.empty() && name != "." && name != "..");
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    FUZZ_CHECK(byte >= 0x20 && byte != 0x7f && c != '/');
  }
  const auto again = open_in_vm::parse_header(open_in_vm::encode_header(*parsed.header));
  FUZZ_CHECK(again.header && again.header->view_only == parsed.header->view_only);
  FUZZ_CHECK(name.size() + (parsed.header->view_only ? open_in_vm::kViewOnlyPrefix.size() : 0) >
                 kHeaderSize - 1 ||
             again.header->name == name);
}

void check_records(const test::NullContext& context) {
  for (const auto& record : context.records) {
    for (const char c : record.message) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20);
    for (const auto& [name, value] : record.fields)
      for (const char c : value) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20);
  }
}

void drive_plugin(const std::string& untrusted, FuzzedDataProvider& input) {
  nlohmann::json options = {{"view_only", input.ConsumeBool()},
                            {"hash", input.ConsumeBool() ? "sha256" : "none"},
                            {"max_file_bytes", input.ConsumeIntegralInRange<int>(-1, 4096)}};
  if (input.ConsumeBool()) options["deny"] = {"*.exe"};
  if (input.ConsumeBool()) options["allow"] = {"*.pdf", "*.txt"};
  const PluginDescriptor* descriptor = PluginRegistry::builtin().find("open_in_vm");
  FUZZ_CHECK(descriptor != nullptr);
  auto configured = configure_plugin(*descriptor, options);
  FUZZ_CHECK(std::holds_alternative<PluginOptions>(configured));
  const auto plugin = descriptor->create(std::get<PluginOptions>(configured));
  test::NullContext context;
  FUZZ_CHECK(plugin->on_start(context).kind() == Admission::Kind::admit);
  const DataNeeds needs = plugin->needs(Direction::src2dst);

  std::string pending;
  std::uint64_t passed = 0;
  std::size_t fed = 0;
  bool ended = false;
  while (!ended && !context.aborted) {
    const std::size_t chunk = input.ConsumeIntegralInRange<std::size_t>(1, 600);
    pending += untrusted.substr(fed, chunk);
    fed = std::min(untrusted.size(), fed + chunk);
    const bool end_of_stream = fed == untrusted.size();
    while (!pending.empty() && !context.aborted) {
      const Verdict verdict =
          plugin->on_data(context, {Direction::src2dst,
                                    pending.size(),
                                    {reinterpret_cast<std::byte*>(pending.data()), pending.size()},
                                    end_of_stream});
      if (context.aborted) break;
      FUZZ_CHECK(verdict.count() <= pending.size());
      if (verdict.kind() == Verdict::Kind::drop) {
        FUZZ_CHECK(needs.drops_bytes);
        pending.erase(0, verdict.count());
        continue;
      }
      FUZZ_CHECK(verdict.kind() == Verdict::Kind::pass);
      if (verdict.count() == 0) break;
      // Nothing of the file passes before its header was decided on.
      FUZZ_CHECK(passed + verdict.count() >= kHeaderSize || !context.injected[0].empty() ||
                 passed > 0);
      passed += verdict.count();
      pending.erase(0, verdict.count());
    }
    FUZZ_CHECK(context.aborted || pending.size() <= needs.hold_bytes + 1 || passed >= kHeaderSize);
    if (end_of_stream && !context.aborted) {
      ended = true;
      if (pending.empty()) plugin->on_end(context, Direction::src2dst);
    }
  }
  if (!context.injected[0].empty()) {
    FUZZ_CHECK(context.injected[0].size() == kHeaderSize);
    FUZZ_CHECK(context.injected[0].starts_with(open_in_vm::kViewOnlyPrefix));
  }
  FUZZ_CHECK(passed <= untrusted.size());
  check_records(context);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const std::string untrusted = input.ConsumeRandomLengthString(8192);
  check_header(untrusted);
  drive_plugin(untrusted, input);
  return 0;
}
