// Tells the user, once, that the config has problems: listings still show
// what loaded, but the service fails every call until `check` passes.
#pragma once

#include "admin/admin_context.hpp"

namespace qrexec_proxy::admin {

void warn_if_invalid(const AdminContext& context, const Config& config);

}  // namespace qrexec_proxy::admin
