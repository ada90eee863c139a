#include "admin/live/stop_command.hpp"

#include "registry/live_calls.hpp"

#include <chrono>
#include <ostream>

#include <pwd.h>
#include <unistd.h>

namespace qrexec_proxy::admin {
namespace {

std::string user_name(uid_t uid) {
  if (const passwd* entry = ::getpwuid(uid); entry != nullptr && entry->pw_name != nullptr)
    return entry->pw_name;
  return "uid" + std::to_string(uid);
}

// How long a stopped call may take to end: it stops its destination first.
constexpr std::chrono::milliseconds kEndWait{10000};

}  // namespace

int stop_command(const AdminContext& context, const StopOptions& options) {
  live::StopOrder order;
  order.id = options.id;
  if (options.direction) order.direction = *options.direction == "src2dst" ? 1 : 2;
  order.uid = ::getuid();
  order.user = user_name(order.uid);
  order.reason = options.reason;
  const live::StopOutcome outcome =
      live::request_stop(live::registry_directory(context.settings().state_dir), order, kEndWait);
  if (!outcome.error.empty()) {
    context.error(outcome.error);
    return admin_status::failure;
  }
  if (options.direction) {
    context.out << "Call " << options.id << ": " << *options.direction << " stopped.\n";
    return admin_status::ok;
  }
  if (!outcome.ended) {
    context.error("call " + options.id + " was asked to stop but has not ended yet");
    return admin_status::failure;
  }
  context.out << "Call " << options.id << " stopped.\n";
  return admin_status::ok;
}

}  // namespace qrexec_proxy::admin
