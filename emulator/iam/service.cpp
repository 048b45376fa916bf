// IAM and STS over the Query protocol (see service.hpp).
#include "iam/service.hpp"

#include "common/encoding.hpp"
#include "common/ids.hpp"

#include <fstream>
#include <regex>

namespace lowcloud::iam {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kIamNs = "https://iam.amazonaws.com/doc/2010-05-08/";
constexpr const char* kStsNs = "https://sts.amazonaws.com/doc/2011-06-15/";

struct QueryError {
    int status;
    std::string code, message;
};

std::string xml_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

// RFC 3986 encoding, as IAM returns policy documents.
std::string url_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
        else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string tag(const char* name, std::string_view value) { return std::string("<") + name + ">" + xml_escape(value) + "</" + name + ">"; }

std::string iso_now() {
    std::string t = utc_timestamp_ms();  // 2026-12-03T13:00:00.123Z
    return t.substr(0, 19) + "Z";
}

http::Response xml(int status, const std::string& body) {
    http::Response r = http::Response::text(status, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + body, "text/xml");
    return r;
}

http::Response result(const std::string& action, const char* ns, const std::string& inner) {
    std::string id = random_uuid();
    http::Response r = xml(200, "<" + action + "Response xmlns=\"" + ns + "\">\n  <" + action + "Result>" + inner + "</" + action +
                                    "Result>\n  <ResponseMetadata><RequestId>" + id + "</RequestId></ResponseMetadata>\n</" + action +
                                    "Response>\n");
    r.set_header("x-amzn-RequestId", id);
    return r;
}

const std::string& required(const std::map<std::string, std::string>& p, const std::string& key, const std::string& member) {
    auto it = p.find(key);
    if (it == p.end())
        throw QueryError{400, "ValidationError", "1 validation error detected: Value null at '" + member +
                                                     "' failed to satisfy constraint: Member must not be null"};
    return it->second;
}

// IAM names: [\w+=,.@-]+ (roles 1-64, policies 1-128).
void check_name(const std::string& value, const std::string& member, std::size_t max) {
    static const std::regex pattern(R"([\w+=,.@-]+)");
    if (value.empty() || value.size() > max || !std::regex_match(value, pattern))
        throw QueryError{400, "ValidationError",
                         "1 validation error detected: Value '" + value + "' at '" + member +
                             "' failed to satisfy constraint: " +
                             (value.size() > max ? "Member must have length less than or equal to " + std::to_string(max)
                                                 : std::string("Member must satisfy regular expression pattern: [\\w+=,.@-]+"))};
}

void check_document(const std::string& doc) {
    json parsed = json::parse(doc, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) throw QueryError{400, "MalformedPolicyDocument", "This policy contains invalid Json"};
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

Service::Service(Options options, Logger& logger) : options_(std::move(options)), logger_(logger) {
    if (options_.data_dir.empty()) return;
    fs::path file = options_.data_dir / "iam.json";
    std::ifstream in(file);
    if (!in) return;
    json doc = json::parse(in, nullptr, false);
    if (doc.is_discarded()) throw std::runtime_error(file.string() + ": not lowcloud's IAM data (remove it to start without it)");
    for (const auto& r : doc.value("roles", json::array())) {
        Role role;
        role.name = r.at("name");
        role.id = r.at("id");
        role.path = r.value("path", "/");
        role.description = r.value("description", "");
        role.assume_policy = r.value("assume_policy", "");
        role.created = r.value("created", "");
        role.max_session = r.value("max_session", 3600);
        role.attached = r.value("attached", std::vector<std::string>{});
        role.inline_policies = r.value("inline", std::map<std::string, std::string>{});
        role.tags = r.value("tags", std::vector<std::pair<std::string, std::string>>{});
        roles_[lower(role.name)] = role;
    }
    for (const auto& p : doc.value("policies", json::array())) {
        Policy policy;
        policy.name = p.at("name");
        policy.id = p.at("id");
        policy.path = p.value("path", "/");
        policy.description = p.value("description", "");
        policy.document = p.value("document", "");
        policy.created = p.value("created", "");
        policy.attachments = p.value("attachments", 0);
        policies_[p.at("arn").get<std::string>()] = policy;
    }
}

void Service::save_locked() const {
    if (options_.data_dir.empty()) return;
    json roles = json::array(), policies = json::array();
    for (const auto& [k, r] : roles_)
        roles.push_back({{"name", r.name}, {"id", r.id}, {"path", r.path}, {"description", r.description}, {"assume_policy", r.assume_policy},
                         {"created", r.created}, {"max_session", r.max_session}, {"attached", r.attached}, {"inline", r.inline_policies},
                         {"tags", r.tags}});
    for (const auto& [arn, p] : policies_)
        policies.push_back({{"arn", arn}, {"name", p.name}, {"id", p.id}, {"path", p.path}, {"description", p.description},
                            {"document", p.document}, {"created", p.created}, {"attachments", p.attachments}});
    fs::create_directories(options_.data_dir);
    fs::path tmp = options_.data_dir / "iam.json.tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << json{{"format", 1}, {"roles", roles}, {"policies", policies}}.dump(1);
    }
    fs::rename(tmp, options_.data_dir / "iam.json");
}

bool Service::owns(const http::Request& head) {
    if (head.method != "POST" || !head.header("X-Amz-Target").empty() || head.path() != "/") return false;
    return head.header("Content-Type").find("application/x-www-form-urlencoded") != std::string_view::npos;
}

namespace {
std::map<std::string, std::string> form(std::string_view body) {
    std::map<std::string, std::string> out;
    while (!body.empty()) {
        auto amp = body.find('&');
        std::string_view pair = body.substr(0, amp);
        auto eq = pair.find('=');
        out[percent_decode(pair.substr(0, eq), true)] = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true);
        if (amp == std::string_view::npos) break;
        body.remove_prefix(amp + 1);
    }
    return out;
}
}  // namespace

std::string Service::action(const http::Request& request) {
    auto p = form(request.body);
    auto it = p.find("Action");
    return it == p.end() ? "" : it->second;
}

namespace {
bool is_sts_request(const std::map<std::string, std::string>& p) {
    auto get = [&](const char* k) { auto it = p.find(k); return it == p.end() ? std::string() : it->second; };
    const std::string action = get("Action");
    return get("Version") == "2011-06-15" || action == "GetCallerIdentity" || action.rfind("AssumeRole", 0) == 0;
}

http::Response error_xml(bool is_sts, int status, const std::string& code, const std::string& message) {
    std::string id = random_uuid();
    http::Response r = xml(status, std::string("<ErrorResponse xmlns=\"") + (is_sts ? kStsNs : kIamNs) +
                                       "\">\n  <Error>\n    <Type>Sender</Type>\n    " + tag("Code", code) + "\n    " +
                                       tag("Message", message) + "\n  </Error>\n  <RequestId>" + id + "</RequestId>\n</ErrorResponse>\n");
    r.set_header("x-amzn-RequestId", id);
    return r;
}
}  // namespace

http::Response Service::error(const http::Request& request, int status, const std::string& code, const std::string& message) {
    return error_xml(is_sts_request(form(request.body)), status, code, message);
}

http::Response Service::handle(const http::Request& request) {
    Params p = form(request.body);
    std::string action = p.count("Action") ? p["Action"] : "";
    bool is_sts = is_sts_request(p);
    try {
        if (is_sts) return sts(action, p);
        std::lock_guard lock(mutex_);
        return iam(action, p);
    } catch (const QueryError& e) {
        return error_xml(is_sts, e.status, e.code, e.message);
    }
}

std::string Service::role_arn(const Role& r) const { return "arn:aws:iam::" + options_.account_id + ":role" + r.path + r.name; }

std::string Service::role_xml(const Role& r, bool full) const {
    std::string out = "<Path>" + xml_escape(r.path) + "</Path>" + tag("RoleName", r.name) + tag("RoleId", r.id) + tag("Arn", role_arn(r)) +
                      tag("CreateDate", r.created) + tag("AssumeRolePolicyDocument", url_encode(r.assume_policy));
    if (!r.description.empty()) out += tag("Description", r.description);
    out += "<MaxSessionDuration>" + std::to_string(r.max_session) + "</MaxSessionDuration>";
    if (full && !r.tags.empty()) {
        out += "<Tags>";
        for (const auto& [k, v] : r.tags) out += "<member>" + tag("Key", k) + tag("Value", v) + "</member>";
        out += "</Tags>";
    }
    if (full) out += "<RoleLastUsed/>";
    return out;
}

std::string Service::policy_xml(const Policy& p) const {
    std::string arn = "arn:aws:iam::" + options_.account_id + ":policy" + p.path + p.name;
    return tag("PolicyName", p.name) + tag("DefaultVersionId", "v1") + tag("PolicyId", p.id) + tag("Path", p.path) + tag("Arn", arn) +
           (p.description.empty() ? "" : tag("Description", p.description)) + "<AttachmentCount>" + std::to_string(p.attachments) +
           "</AttachmentCount><PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount><IsAttachable>true</IsAttachable>" +
           tag("CreateDate", p.created) + tag("UpdateDate", p.created);
}

Service::Role& Service::role(const Params& p) {
    const std::string& name = required(p, "RoleName", "roleName");
    check_name(name, "roleName", 64);
    auto it = roles_.find(lower(name));
    if (it == roles_.end()) throw QueryError{404, "NoSuchEntity", "The role with name " + name + " cannot be found."};
    return it->second;
}

http::Response Service::iam(const std::string& action, const Params& p) {
    auto get = [&](const char* key) {
        auto it = p.find(key);
        return it == p.end() ? std::string() : it->second;
    };
    if (action == "CreateRole") {
        const std::string& name = required(p, "RoleName", "roleName");
        check_name(name, "roleName", 64);
        const std::string& doc = required(p, "AssumeRolePolicyDocument", "assumeRolePolicyDocument");
        check_document(doc);
        if (roles_.count(lower(name))) throw QueryError{409, "EntityAlreadyExists", "Role with name " + name + " already exists."};
        Role r;
        r.name = name;
        r.id = "AROA" + random_alnum_id(17);
        r.path = get("Path").empty() ? "/" : get("Path");
        r.description = get("Description");
        r.assume_policy = doc;
        r.created = iso_now();
        if (!get("MaxSessionDuration").empty()) r.max_session = std::stoi(get("MaxSessionDuration"));
        for (int i = 1; p.count("Tags.member." + std::to_string(i) + ".Key"); ++i)
            r.tags.emplace_back(get(("Tags.member." + std::to_string(i) + ".Key").c_str()), get(("Tags.member." + std::to_string(i) + ".Value").c_str()));
        roles_[lower(name)] = r;
        save_locked();
        logger_.info("iam role " + name + " created (not enforced)");
        return result(action, kIamNs, "<Role>" + role_xml(r, false) + "</Role>");
    }
    if (action == "GetRole") return result(action, kIamNs, "<Role>" + role_xml(role(p), true) + "</Role>");
    if (action == "ListRoles") {
        std::string prefix = get("PathPrefix").empty() ? "/" : get("PathPrefix");
        std::string out = "<Roles>";
        for (const auto& [k, r] : roles_)
            if (r.path.rfind(prefix, 0) == 0) out += "<member>" + role_xml(r, false) + "</member>";
        return result(action, kIamNs, out + "</Roles><IsTruncated>false</IsTruncated>");
    }
    if (action == "DeleteRole") {
        Role& r = role(p);
        if (!r.attached.empty()) throw QueryError{409, "DeleteConflict", "Cannot delete entity, must detach all policies first."};
        if (!r.inline_policies.empty()) throw QueryError{409, "DeleteConflict", "Cannot delete entity, must delete policies first."};
        roles_.erase(lower(r.name));
        save_locked();
        return result(action, kIamNs, "");
    }
    if (action == "UpdateAssumeRolePolicy") {
        Role& r = role(p);
        const std::string& doc = required(p, "PolicyDocument", "policyDocument");
        check_document(doc);
        r.assume_policy = doc;
        save_locked();
        return result(action, kIamNs, "");
    }
    if (action == "AttachRolePolicy" || action == "DetachRolePolicy") {
        Role& r = role(p);
        const std::string& arn = required(p, "PolicyArn", "policyArn");
        static const std::regex arn_pattern(R"(arn:aws[a-zA-Z-]*:iam::(aws|\d{12}):policy/.+)");
        if (!std::regex_match(arn, arn_pattern)) throw QueryError{400, "InvalidInput", "ARN " + arn + " is not valid."};
        bool aws_managed = arn.find(":iam::aws:policy/") != std::string::npos;
        auto policy = policies_.find(arn);
        if (!aws_managed && policy == policies_.end())
            throw QueryError{404, "NoSuchEntity", "Policy " + arn + " does not exist or is not attachable."};
        auto it = std::find(r.attached.begin(), r.attached.end(), arn);
        if (action == "AttachRolePolicy") {
            if (it == r.attached.end()) {
                r.attached.push_back(arn);
                if (policy != policies_.end()) ++policy->second.attachments;
            }
        } else {
            if (it == r.attached.end()) throw QueryError{404, "NoSuchEntity", "Policy " + arn + " was not found."};
            r.attached.erase(it);
            if (policy != policies_.end()) --policy->second.attachments;
        }
        save_locked();
        return result(action, kIamNs, "");
    }
    if (action == "ListAttachedRolePolicies") {
        std::string out = "<AttachedPolicies>";
        for (const auto& arn : role(p).attached)
            out += "<member>" + tag("PolicyName", arn.substr(arn.rfind('/') + 1)) + tag("PolicyArn", arn) + "</member>";
        return result(action, kIamNs, out + "</AttachedPolicies><IsTruncated>false</IsTruncated>");
    }
    if (action == "PutRolePolicy") {
        Role& r = role(p);
        const std::string& name = required(p, "PolicyName", "policyName");
        check_name(name, "policyName", 128);
        const std::string& doc = required(p, "PolicyDocument", "policyDocument");
        check_document(doc);
        r.inline_policies[name] = doc;
        save_locked();
        return result(action, kIamNs, "");
    }
    if (action == "GetRolePolicy" || action == "DeleteRolePolicy") {
        Role& r = role(p);
        const std::string& name = required(p, "PolicyName", "policyName");
        auto it = r.inline_policies.find(name);
        if (it == r.inline_policies.end())
            throw QueryError{404, "NoSuchEntity", "The role policy with name " + name + " cannot be found."};
        if (action == "DeleteRolePolicy") {
            r.inline_policies.erase(it);
            save_locked();
            return result(action, kIamNs, "");
        }
        return result(action, kIamNs, tag("RoleName", r.name) + tag("PolicyName", name) + tag("PolicyDocument", url_encode(it->second)));
    }
    if (action == "ListRolePolicies") {
        std::string out = "<PolicyNames>";
        for (const auto& [name, doc] : role(p).inline_policies) out += tag("member", name);
        return result(action, kIamNs, out + "</PolicyNames><IsTruncated>false</IsTruncated>");
    }
    if (action == "CreatePolicy") {
        const std::string& name = required(p, "PolicyName", "policyName");
        check_name(name, "policyName", 128);
        const std::string& doc = required(p, "PolicyDocument", "policyDocument");
        check_document(doc);
        Policy policy;
        policy.name = name;
        policy.path = get("Path").empty() ? "/" : get("Path");
        std::string arn = "arn:aws:iam::" + options_.account_id + ":policy" + policy.path + name;
        if (policies_.count(arn)) throw QueryError{409, "EntityAlreadyExists", "A policy called " + name + " already exists. Duplicate names are not allowed."};
        policy.id = "ANPA" + random_alnum_id(17);
        policy.description = get("Description");
        policy.document = doc;
        policy.created = iso_now();
        policies_[arn] = policy;
        save_locked();
        return result(action, kIamNs, "<Policy>" + policy_xml(policy) + "</Policy>");
    }
    if (action == "GetPolicy" || action == "DeletePolicy") {
        const std::string& arn = required(p, "PolicyArn", "policyArn");
        auto it = policies_.find(arn);
        if (it == policies_.end()) throw QueryError{404, "NoSuchEntity", "Policy " + arn + " was not found."};
        if (action == "GetPolicy") return result(action, kIamNs, "<Policy>" + policy_xml(it->second) + "</Policy>");
        if (it->second.attachments > 0) throw QueryError{409, "DeleteConflict", "Cannot delete a policy attached to entities."};
        policies_.erase(it);
        save_locked();
        return result(action, kIamNs, "");
    }
    if (action.empty()) throw QueryError{400, "MissingAction", "Missing Action"};
    throw QueryError{400, "InvalidAction", "Could not find operation " + action + " for version 2010-05-08 (lowcloud's IAM records roles and policies only)"};
}

http::Response Service::sts(const std::string& action, const Params&) {
    if (action == "GetCallerIdentity")
        return result(action, kStsNs, tag("UserId", "AKIAIOSFODNN7EXAMPLE") + tag("Account", options_.account_id) +
                                          tag("Arn", "arn:aws:iam::" + options_.account_id + ":root"));
    throw QueryError{400, "InvalidAction", "Could not find operation " + action + " for version 2011-06-15 (lowcloud's STS answers GetCallerIdentity only)"};
}

json Service::health() const {
    std::lock_guard lock(mutex_);
    return {{"status", "running"}, {"enforced", false}, {"roles", roles_.size()}, {"policies", policies_.size()}};
}

}  // namespace lowcloud::iam
