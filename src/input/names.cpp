#include "input/names.hpp"

#include <algorithm>

namespace qrexec_proxy::names {
namespace {

bool is_ascii_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_plain_name(std::string_view name, std::size_t max_length) {
  return !name.empty() && name.size() <= max_length && name.front() != '.' && name.front() != '-' &&
         std::all_of(name.begin(), name.end(), is_service_name_char);
}

}  // namespace

bool is_service_name_char(char c) {
  return is_ascii_alpha(c) || is_ascii_digit(c) || c == '_' || c == '.' || c == '-';
}

bool is_argument_char(char c) {
  return is_service_name_char(c) || c == '+';
}

bool is_qube_name(std::string_view name) {
  if (name.empty() || name.size() > max_qube_name || !is_ascii_alpha(name.front())) return false;
  if (name == "default" || name == "none") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return is_ascii_alpha(c) || is_ascii_digit(c) || c == '_' || c == '-';
  });
}

bool is_reserved_qube_name(std::string_view name) {
  return name == "Domain-0" || name.ends_with("-dm");
}

bool is_destination_qube_name(std::string_view name) {
  return is_qube_name(name) && !is_reserved_qube_name(name);
}

bool is_service_name(std::string_view name) {
  return is_plain_name(name, max_service_name);
}

bool is_service_argument(std::string_view argument) {
  return argument.size() <= max_service_argument &&
         std::all_of(argument.begin(), argument.end(), is_argument_char);
}

bool is_chain_name(std::string_view name) {
  return is_plain_name(name, max_chain_name);
}

}  // namespace qrexec_proxy::names
