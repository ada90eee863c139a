// What one splice() call means for a fifo, from its return value and errno.
#pragma once

#include "io/byte_fifo.hpp"

#include <cerrno>

#include <sys/types.h>

namespace qrexec_proxy {

// `reading`: the splice took bytes from a sender, where 0 and a reset peer
// mean the end of its stream; when giving bytes to a receiver, 0 means
// "try again" and a reset or closed peer means it is gone.
inline IoResult splice_result(ssize_t moved, bool reading) {
  if (moved > 0) return {IoResult::Status::ok, static_cast<std::size_t>(moved), 0};
  if (moved == 0) return {reading ? IoResult::Status::eof : IoResult::Status::again, 0, 0};
  switch (errno) {
    case EAGAIN:
    case EINTR:
      return {IoResult::Status::again, 0, 0};
    case EPIPE:
    case ECONNRESET:
      return {reading ? IoResult::Status::eof : IoResult::Status::closed, 0, errno};
    default:
      return {IoResult::Status::error, 0, errno};
  }
}

}  // namespace qrexec_proxy
