// Key extraction, validation and order-preserving encoding (see keys.hpp).
#include "model/keys.hpp"

#include "dynamodb/error.hpp"
#include "model/number.hpp"

#include <openssl/evp.h>

#include <memory>
#include <set>
#include <stdexcept>

namespace lowcloud::dynamodb {

std::uint32_t partition_hash(std::string_view pk) {
    // Fetched once: OpenSSL 3 looks EVP_md5() up again on every digest.
    static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
    // One context per thread, reused: EVP_Digest() allocates a context and
    // takes and drops a reference on the shared EVP_MD each call, an atomic
    // on one cache line that two I/O threads bounce between cores (on this
    // project's host, two threads hashing: 242 ns per key with EVP_Digest,
    // 106 with a reused context). Every key a request reads or writes is
    // hashed, under the engine's mutex.
    thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!ctx || EVP_DigestInit_ex2(ctx.get(), md5 ? md5 : EVP_md5(), nullptr) != 1 || EVP_DigestUpdate(ctx.get(), pk.data(), pk.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), digest, &n) != 1)
        throw std::runtime_error("MD5 failed (OpenSSL)");
    return (std::uint32_t(digest[0]) << 24) | (std::uint32_t(digest[1]) << 16) | (std::uint32_t(digest[2]) << 8) | digest[3];
}

namespace {

constexpr std::size_t kMaxHashKeyBytes = 2048;
constexpr std::size_t kMaxRangeKeyBytes = 1024;

std::uint32_t hash_of(const std::string& pk) { return partition_hash(pk); }

void check_not_empty(const KeyAttribute& attr, const AttributeValue& v) {
    if ((v.type == Type::S || v.type == Type::B) && v.scalar.empty())
        throw validation_error(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty " +
            std::string(v.type == Type::S ? "string" : "binary") + " value. Key: " + attr.name);
}

void check_key_value(const KeyAttribute& attr, const AttributeValue& v, bool is_hash) {
    check_not_empty(attr, v);
    std::size_t size = value_size(v);
    if (is_hash && size > kMaxHashKeyBytes)
        throw validation_error("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes");
    if (!is_hash && size > kMaxRangeKeyBytes)
        throw validation_error("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
}

// Values in key-schema order (hash ones, then range ones; a missing range
// value ends the list).
using KeyValues = boost::container::static_vector<const AttributeValue*, 8>;

EncodedKey encode(const KeySchema& schema, const KeyValues& values) {
    EncodedKey k;
    const std::size_t hashes = 1 + schema.more_hash.size();
    if (!schema.multi_attribute()) {
        k.pk = encode_key_value(*values[0]);
        if (values.size() > 1) k.sk = encode_key_value(*values[1]);
    } else {
        for (std::size_t i = 0; i < values.size(); ++i) (i < hashes ? k.pk : k.sk) += encode_key_component(*values[i]);
    }
    k.hash = hash_of(k.pk);
    return k;
}

}  // namespace

bool is_multi_attribute(const std::vector<KeySchemaElement>& keys) {
    return keys.size() > 2 || (keys.size() == 2 && keys[0].key_type == "HASH" && keys[1].key_type == "HASH");
}

KeySchema multi_attribute_key_schema(const std::string& index, const std::vector<KeySchemaElement>& keys,
                                     const std::map<std::string, Type>& defs) {
    if (keys[0].key_type != "HASH") throw validation_error("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
    KeySchema schema;
    std::size_t hashes = 0, ranges = 0;
    std::set<std::string> seen;
    for (const auto& k : keys) {
        if (!seen.insert(k.name).second)
            throw validation_error("Invalid KeySchema: Duplicate attribute names are not allowed in KeySchema: " + k.name);
        KeyAttribute attr{k.name, defs.at(k.name)};
        if (k.key_type == "HASH") {
            if (ranges)
                throw validation_error("Invalid KeySchema: All HASH KeySchemaElements must be specified before the RANGE KeySchemaElements");
            if (hashes++ == 0) schema.hash = attr;
            else schema.more_hash.push_back(attr);
        } else {
            if (ranges++ == 0) schema.range = attr;
            else schema.more_range.push_back(attr);
        }
    }
    if (hashes > kMaxKeyPartAttributes)
        throw validation_error("One or more parameter values were invalid: Global secondary index " + index +
                               " must not have more than 4 partition key (HASH) attributes");
    if (ranges > kMaxKeyPartAttributes)
        throw validation_error("One or more parameter values were invalid: Global secondary index " + index +
                               " must not have more than 4 sort key (RANGE) attributes");
    return schema;
}

std::string encode_key_value(const AttributeValue& v) {
    if (v.type == Type::N) return Number::parse(v.scalar).key_bytes();
    return v.scalar;  // S: UTF-8 bytes; B: raw bytes; both compare bytewise
}

std::string encode_key_component(const AttributeValue& v) {
    std::string out = escape_key_bytes(encode_key_value(v));
    out.append("\0\0", 2);
    return out;
}

std::string escape_key_bytes(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() + 2);
    for (char c : bytes) {
        out.push_back(c);
        if (c == '\0') out.push_back('\xFF');
    }
    return out;
}

EncodedKey key_from_item(const KeySchema& schema, const Item& item) {
    KeyValues values;
    const std::size_t hashes = 1 + schema.more_hash.size();
    const auto attrs = schema.attribute_refs();
    for (std::size_t i = 0; i < attrs.size(); ++i) {
        const KeyAttribute& attr = *attrs[i];
        auto it = item.find(attr.name);
        if (it == item.end())
            throw validation_error("One or more parameter values were invalid: Missing the key " + attr.name + " in the item");
        if (it->second.type != attr.type)
            throw validation_error("One or more parameter values were invalid: Type mismatch for key " + attr.name +
                                   " expected: " + std::string(type_name(attr.type)) +
                                   " actual: " + std::string(type_name(it->second.type)));
        check_key_value(attr, it->second, i < hashes);
        values.push_back(&it->second);
    }
    return encode(schema, values);
}

EncodedKey key_from_key(const KeySchema& schema, const Item& key) {
    const auto attrs = schema.attribute_refs();
    const std::size_t hashes = 1 + schema.more_hash.size();
    auto mismatch = [] { return validation_error("The provided key element does not match the schema"); };
    if (key.size() != attrs.size()) throw mismatch();
    KeyValues values;
    for (std::size_t i = 0; i < attrs.size(); ++i) {
        auto it = key.find(attrs[i]->name);
        if (it == key.end() || it->second.type != attrs[i]->type) throw mismatch();
        check_key_value(*attrs[i], it->second, i < hashes);
        values.push_back(&it->second);
    }
    return encode(schema, values);
}

std::optional<EncodedKey> index_key_of(const SecondaryIndex& index, const Item& item) {
    const auto attrs = index.key.attribute_refs();
    const std::size_t hashes = 1 + index.key.more_hash.size();
    KeyValues values;
    bool complete = true;
    for (std::size_t i = 0; i < attrs.size(); ++i) {
        const KeyAttribute& attr = *attrs[i];
        auto it = item.find(attr.name);
        if (it == item.end()) {
            complete = false;
            continue;
        }
        const AttributeValue& v = it->second;
        if (v.type != attr.type)
            throw validation_error("One or more parameter values were invalid: Type mismatch for Index Key " + attr.name +
                                   " Expected: " + std::string(type_name(attr.type)) + " Actual: " + std::string(type_name(v.type)) +
                                   " IndexName: " + index.name);
        if ((v.type == Type::S || v.type == Type::B) && v.scalar.empty())
            throw validation_error(
                "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty " +
                std::string(v.type == Type::S ? "string" : "binary") + " value. IndexName: " + index.name + ", IndexKey: " + attr.name);
        // DynamoDB's wording, from a reported AWS error: "Size limit exceeded
        // for Index Key componentId Actual Size: 2175 bytes Max Size: 2048
        // bytes IndexName: work-sets-index".
        const std::size_t limit = i < hashes ? kMaxHashKeyBytes : kMaxRangeKeyBytes;
        if (v.type != Type::N)
            if (std::size_t size = value_size(v); size > limit)
                throw validation_error("One or more parameter values were invalid: Size limit exceeded for Index Key " + attr.name +
                                       " Actual Size: " + std::to_string(size) + " bytes Max Size: " + std::to_string(limit) +
                                       " bytes IndexName: " + index.name);
        values.push_back(&v);
    }
    if (!complete) return std::nullopt;
    return encode(index.key, values);
}

void check_index_keys(const TableDef& table, const Item& item) {
    for (const auto& i : table.local_indexes) index_key_of(i, item);
    for (const auto& i : table.global_indexes) index_key_of(i, item);
}

void check_key_values_not_empty(const KeySchema& schema, const Item& item) {
    for (const KeyAttribute* attr : schema.attribute_refs())
        if (auto it = item.find(attr->name); it != item.end()) check_not_empty(*attr, it->second);
}

Item key_of(const KeySchema& schema, const Item& item) {
    Item key;
    for (const KeyAttribute* attr : schema.attribute_refs())
        if (auto it = item.find(attr->name); it != item.end()) key.emplace(*it);
    return key;
}

}  // namespace lowcloud::dynamodb
