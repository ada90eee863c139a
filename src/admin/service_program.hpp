// The service program installed beside this admin CLI
// (/usr/lib/qubes-qrexec-proxy/qrexec-proxy for /usr/bin/qrexec-proxy-admin),
// symbolic links resolved, as journald names it in _EXE.
#pragma once

#include <filesystem>
#include <optional>

namespace qrexec_proxy::admin {

// This program, from /proc/self/exe; nullopt when it cannot be read.
std::optional<std::filesystem::path> this_program();
// nullopt when this program's own path cannot be read.
std::optional<std::filesystem::path> service_program();

}  // namespace qrexec_proxy::admin
