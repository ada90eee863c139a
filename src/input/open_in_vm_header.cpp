#include "input/open_in_vm_header.hpp"

#include "input/filecopy_stream.hpp"

#include <cstring>

namespace qrexec_proxy::open_in_vm {

ParsedHeader parse_header(std::span<const std::byte, kHeaderSize> untrusted_bytes) {
  const auto* untrusted_text = reinterpret_cast<const char*>(untrusted_bytes.data());
  // The receiver reads up to the first NUL, the last byte being one anyway.
  std::string_view untrusted_name(untrusted_text, ::strnlen(untrusted_text, kHeaderSize - 1));
  NameHeader header;
  if (untrusted_name.starts_with(kViewOnlyPrefix)) {
    header.view_only = true;
    untrusted_name.remove_prefix(kViewOnlyPrefix.size());
  }
  if (untrusted_name.find('/') != std::string_view::npos)
    return {std::nullopt, "a '/' in the name"};
  if (const auto problem = filecopy::path_problem(untrusted_name)) return {std::nullopt, *problem};
  header.name.assign(untrusted_name);
  return {std::move(header), {}};
}

std::array<std::byte, kHeaderSize> encode_header(const NameHeader& header) {
  const std::string_view prefix = header.view_only ? kViewOnlyPrefix : std::string_view();
  std::string_view name = header.name;
  const std::size_t room = kHeaderSize - 1 - prefix.size();
  if (name.size() > room) name.remove_prefix(name.size() - room);
  const std::string text = std::string(prefix) + std::string(name);
  std::array<std::byte, kHeaderSize> bytes{};
  std::memcpy(bytes.data(), text.data(), text.size());
  return bytes;
}

}  // namespace qrexec_proxy::open_in_vm
