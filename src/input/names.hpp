// The naming rules of Qubes OS (qubes-core-qrexec, Qubes 4.2), checked on
// every name that comes from the calling qube or from configuration.
#pragma once

#include <string_view>

namespace qrexec_proxy::names {

inline constexpr std::size_t max_qube_name = 31;
inline constexpr std::size_t max_service_name = 255;
inline constexpr std::size_t max_chain_name = 64;
// A destination service's own argument. qrexec allows far longer ones; a
// proxied call has no use for them, and a short bound keeps logs readable.
inline constexpr std::size_t max_service_argument = 1024;

// [A-Za-z0-9_.-]: what a service name may hold (no '+').
bool is_service_name_char(char c);
// Service-argument characters: service-name characters and '+'.
bool is_argument_char(char c);

// A qube name: [a-zA-Z][a-zA-Z0-9_-]*, at most 31 characters, not the
// keywords "default" or "none".
bool is_qube_name(std::string_view name);
// The administration qube. A chain must allow it as a destination
// explicitly (config "allow_dom0"): a proxy that calls dom0's services on
// behalf of other qubes is a confused deputy waiting to happen.
inline constexpr std::string_view dom0 = "dom0";
// Names Qubes reserves that never name a destination a qube may call:
// Xen's name of dom0 ("Domain-0") and device-model stub domains ("NAME-dm").
bool is_reserved_qube_name(std::string_view name);
// A qube a proxied call may go to: a qube name that Qubes does not reserve
// (dom0 included; whether a chain allows it is the chain's to say).
bool is_destination_qube_name(std::string_view name);

// A service name: service-name characters, 1..255, not starting with '.' or
// '-'.
bool is_service_name(std::string_view name);
// A service's argument: argument characters (may be empty).
bool is_service_argument(std::string_view argument);
// A chain name: service-name characters (no '+'), 1..64, not starting with
// '.' or '-' (so a chain name is always a safe file name, never "..").
bool is_chain_name(std::string_view name);

}  // namespace qrexec_proxy::names
