// IAM and STS, minimal and NOT enforced: roles and managed policies are
// recorded so that deployment scripts that create them (`aws iam
// create-role`, `attach-role-policy`, `aws sts get-caller-identity`) run
// against lowcloud as they do against AWS. Nothing is ever checked against
// them: every caller may do everything.
//
// Protocol: AWS's Query protocol, `POST /` with a form-encoded body
// (`Action=CreateRole&Version=2010-05-08&RoleName=...`) answered in XML
// (`<CreateRoleResponse xmlns=...><CreateRoleResult>...`), errors as
// `<ErrorResponse><Error><Type>Sender</Type><Code>...`. Policy documents are
// returned URL-encoded, as IAM does (the CLI decodes them).
//
// Operations: CreateRole, GetRole, ListRoles, DeleteRole,
// UpdateAssumeRolePolicy, AttachRolePolicy, DetachRolePolicy,
// ListAttachedRolePolicies, PutRolePolicy, GetRolePolicy, DeleteRolePolicy,
// ListRolePolicies, CreatePolicy, GetPolicy, DeletePolicy; STS
// GetCallerIdentity (account 000000000000).
//
// Persistence: DATA/iam.json, rewritten after every change (none with an
// empty data dir). Threading: handle() is thread-safe (one mutex).
#pragma once

#include "common/log.hpp"
#include "http/message.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace lowcloud::iam {

struct Options {
    std::string account_id = "000000000000";
    std::filesystem::path data_dir;  // "" : in memory
};

class Service {
public:
    // Restores DATA/iam.json; throws std::runtime_error when it is unreadable.
    Service(Options options, Logger& logger);

    // True for requests of the Query protocol this service answers (a form
    // body without X-Amz-Target, for IAM or STS).
    static bool owns(const http::Request& head);
    // The Action of a Query-protocol request, for logs ("" when none).
    static std::string action(const http::Request& request);

    http::Response handle(const http::Request& request);
    nlohmann::json health() const;

    // An error answered as IAM or STS (whichever `request` is for) answers
    // it: `<ErrorResponse><Error><Type>Sender</Type><Code>code</Code>...`.
    static http::Response error(const http::Request& request, int status, const std::string& code, const std::string& message);

private:
    struct Role {
        std::string name, id, path = "/", description, assume_policy, created;
        int max_session = 3600;
        std::vector<std::string> attached;                // managed policy ARNs, in order
        std::map<std::string, std::string> inline_policies;  // name -> document
        std::vector<std::pair<std::string, std::string>> tags;
    };
    struct Policy {
        std::string name, id, path = "/", description, document, created;
        int attachments = 0;
    };
    using Params = std::map<std::string, std::string>;

    http::Response iam(const std::string& action, const Params& p);
    http::Response sts(const std::string& action, const Params& p);
    std::string role_xml(const Role& r, bool full) const;
    std::string policy_xml(const Policy& p) const;
    std::string role_arn(const Role& r) const;
    Role& role(const Params& p);
    void save_locked() const;

    Options options_;
    Logger& logger_;
    mutable std::mutex mutex_;
    std::map<std::string, Role> roles_;        // by name (IAM names are case-insensitive: key lower-cased)
    std::map<std::string, Policy> policies_;   // by ARN
};

}  // namespace lowcloud::iam
