// Route entries: the files through which qrexec-agent runs the proxy as
// another service. An entry is a symbolic link RPC_DIR/SERVICE (RPC_DIR is
// /usr/local/etc/qubes-rpc, which qrexec-agent searches before
// /etc/qubes-rpc and which persists in an AppVM) to the service program;
// the program tells the route from the name it is called as.
#pragma once

#include <filesystem>
#include <string>

namespace qrexec_proxy::admin {

enum class EntryState {
  absent,   // no file of that name
  enabled,  // a link to the service program
  foreign,  // some other file: not ours to touch
};

EntryState entry_state(const std::filesystem::path& entry, const std::filesystem::path& program);

// Creates the entry (and RPC_DIR when missing); "" when done or already
// there, else why not.
std::string enable_entry(const std::filesystem::path& entry, const std::filesystem::path& program);
// Removes the entry when it is one; "" when done or already absent, else
// why not.
std::string disable_entry(const std::filesystem::path& entry, const std::filesystem::path& program);

}  // namespace qrexec_proxy::admin
