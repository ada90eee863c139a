#include "admin/service_program.hpp"

#include "config/build_config.hpp"

#include <system_error>

namespace qrexec_proxy::admin {

std::optional<std::filesystem::path> this_program() {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return std::nullopt;
  return self;
}

std::optional<std::filesystem::path> service_program() {
  const auto self = this_program();
  if (!self) return std::nullopt;
  std::error_code error;
  auto service = std::filesystem::weakly_canonical(
      self->parent_path() / build_config::service_from_admin, error);
  if (error) return std::nullopt;
  return service;
}

}  // namespace qrexec_proxy::admin
