// The name header qopen-in-vm sends for qubes.OpenInVM (qvm-open-in-vm,
// qvm-open-in-dvm): 256 bytes holding the file's base name, NUL-padded
// (the receiver forces the last byte to NUL), then the file's content
// until the end of the stream. A name starting with "view-only-" asks the
// receiver to open the file read-only and send nothing back; otherwise it
// sends the edited file back once the viewer closes.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace qrexec_proxy::open_in_vm {

inline constexpr std::size_t kHeaderSize = 256;
inline constexpr std::string_view kViewOnlyPrefix = "view-only-";

struct NameHeader {
  std::string name;  // the base name, without the view-only prefix
  bool view_only = false;
};

struct ParsedHeader {
  std::optional<NameHeader> header;
  std::string error;  // when there is none
};

// Checks the name as the receiver reads it: up to the first NUL, a plain
// file name (no '/', not "." or "..", no control characters, not empty).
ParsedHeader parse_header(std::span<const std::byte, kHeaderSize> untrusted_bytes);

// The header for `header`; a name too long keeps its end (its extension),
// as qopen-in-vm does, after the view-only prefix.
std::array<std::byte, kHeaderSize> encode_header(const NameHeader& header);

}  // namespace qrexec_proxy::open_in_vm
