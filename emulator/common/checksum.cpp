// CRC-32 with libdeflate (see checksum.hpp).
#include "common/checksum.hpp"

#include <libdeflate.h>

namespace lowcloud {

std::uint32_t crc32_of(std::string_view bytes) { return libdeflate_crc32(0, bytes.data(), bytes.size()); }

}  // namespace lowcloud
