// A small leveled logger shared by the emulator's parts. One Logger is made
// by the composition root and handed to each service; there is no global
// logger. Lines go to one stream (stderr by default) with a UTC timestamp.
// Thread-safe: whole lines are written under a mutex, never interleaved.
#pragma once

#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

namespace lowcloud {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

// Parses "debug", "info", "warn", "error", "off"; throws std::invalid_argument.
LogLevel parse_log_level(std::string_view text);

class Logger {
public:
    explicit Logger(LogLevel level, std::ostream& out);

    bool enabled(LogLevel level) const { return level >= level_; }
    void log(LogLevel level, std::string_view message);
    void debug(std::string_view m) { if (enabled(LogLevel::debug)) log(LogLevel::debug, m); }
    void info(std::string_view m) { if (enabled(LogLevel::info)) log(LogLevel::info, m); }
    void warn(std::string_view m) { if (enabled(LogLevel::warn)) log(LogLevel::warn, m); }
    void error(std::string_view m) { if (enabled(LogLevel::error)) log(LogLevel::error, m); }

private:
    LogLevel level_;
    std::ostream& out_;
    std::mutex mutex_;
};

// "2026-11-22T02:43:26.751Z" for now.
std::string utc_timestamp_ms();

}  // namespace lowcloud
