// Key extraction, validation and order-preserving encoding (see keys.hpp).
#include "dynamodb/keys.hpp"

#include "dynamodb/error.hpp"
#include "dynamodb/number.hpp"

#include <openssl/evp.h>

namespace lowcloud::dynamodb {

namespace {

constexpr std::size_t kMaxHashKeyBytes = 2048;
constexpr std::size_t kMaxRangeKeyBytes = 1024;

std::uint32_t hash_of(const std::string& pk) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(pk.data(), pk.size(), digest, &n, EVP_md5(), nullptr);
    return (std::uint32_t(digest[0]) << 24) | (std::uint32_t(digest[1]) << 16) | (std::uint32_t(digest[2]) << 8) | digest[3];
}

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

EncodedKey encode(const KeySchema& schema, const AttributeValue& hash, const AttributeValue* range) {
    EncodedKey k;
    k.pk = encode_key_value(hash);
    if (range) k.sk = encode_key_value(*range);
    k.hash = hash_of(k.pk);
    return k;
}

}  // namespace

std::string encode_key_value(const AttributeValue& v) {
    if (v.type == Type::N) return Number::parse(v.scalar).key_bytes();
    return v.scalar;  // S: UTF-8 bytes; B: raw bytes; both compare bytewise
}

EncodedKey key_from_item(const KeySchema& schema, const Item& item) {
    const AttributeValue* values[2] = {nullptr, nullptr};
    const KeyAttribute* attrs[2] = {&schema.hash, schema.range ? &*schema.range : nullptr};
    for (int i = 0; i < 2; ++i) {
        if (!attrs[i]) continue;
        auto it = item.find(attrs[i]->name);
        if (it == item.end())
            throw validation_error("One or more parameter values were invalid: Missing the key " + attrs[i]->name + " in the item");
        if (it->second.type != attrs[i]->type)
            throw validation_error("One or more parameter values were invalid: Type mismatch for key " + attrs[i]->name +
                                   " expected: " + std::string(type_name(attrs[i]->type)) +
                                   " actual: " + std::string(type_name(it->second.type)));
        check_key_value(*attrs[i], it->second, i == 0);
        values[i] = &it->second;
    }
    return encode(schema, *values[0], values[1]);
}

EncodedKey key_from_key(const KeySchema& schema, const Item& key) {
    std::size_t expected = schema.range ? 2 : 1;
    auto mismatch = [] { return validation_error("The provided key element does not match the schema"); };
    if (key.size() != expected) throw mismatch();
    const AttributeValue* values[2] = {nullptr, nullptr};
    const KeyAttribute* attrs[2] = {&schema.hash, schema.range ? &*schema.range : nullptr};
    for (int i = 0; i < 2; ++i) {
        if (!attrs[i]) continue;
        auto it = key.find(attrs[i]->name);
        if (it == key.end() || it->second.type != attrs[i]->type) throw mismatch();
        check_key_value(*attrs[i], it->second, i == 0);
        values[i] = &it->second;
    }
    return encode(schema, *values[0], values[1]);
}

std::optional<EncodedKey> index_key_of(const SecondaryIndex& index, const Item& item) {
    const KeyAttribute* attrs[2] = {&index.key.hash, index.key.range ? &*index.key.range : nullptr};
    const AttributeValue* values[2] = {nullptr, nullptr};
    bool complete = true;
    for (int i = 0; i < 2; ++i) {
        if (!attrs[i]) continue;
        auto it = item.find(attrs[i]->name);
        if (it == item.end()) {
            complete = false;
            continue;
        }
        const AttributeValue& v = it->second;
        if (v.type != attrs[i]->type)
            throw validation_error("One or more parameter values were invalid: Type mismatch for Index Key " + attrs[i]->name +
                                   " Expected: " + std::string(type_name(attrs[i]->type)) + " Actual: " + std::string(type_name(v.type)) +
                                   " IndexName: " + index.name);
        if ((v.type == Type::S || v.type == Type::B) && v.scalar.empty())
            throw validation_error(
                "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty " +
                std::string(v.type == Type::S ? "string" : "binary") + " value. IndexName: " + index.name + ", IndexKey: " + attrs[i]->name);
        values[i] = &v;
    }
    if (!complete) return std::nullopt;
    return encode(index.key, *values[0], values[1]);
}

void check_index_keys(const TableDef& table, const Item& item) {
    for (const auto& i : table.local_indexes) index_key_of(i, item);
    for (const auto& i : table.global_indexes) index_key_of(i, item);
}

void check_key_values_not_empty(const KeySchema& schema, const Item& item) {
    if (auto it = item.find(schema.hash.name); it != item.end()) check_not_empty(schema.hash, it->second);
    if (schema.range)
        if (auto it = item.find(schema.range->name); it != item.end()) check_not_empty(*schema.range, it->second);
}

Item key_of(const KeySchema& schema, const Item& item) {
    Item key;
    if (auto it = item.find(schema.hash.name); it != item.end()) key.emplace(*it);
    if (schema.range)
        if (auto it = item.find(schema.range->name); it != item.end()) key.emplace(*it);
    return key;
}

}  // namespace lowcloud::dynamodb
