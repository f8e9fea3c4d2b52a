//! What the derived schemas cannot say of the request bodies: the upload's
//! `meta` part, the verify answer, the review's rules, stated in the served
//! document by [`super::document_json`].

/// What the derived schemas cannot say: the `meta` part of an upload is
/// JSON; a verify answer is `{"match": false}` alone or `match: true` with
/// the verdict (a flattened option derives as `null`-or-object); a review
/// that rejects needs a note; a kind is one of the catalogue's; a verify
/// file is not empty, a SHA-256 is 64 hex digits.
pub(super) fn patch_bodies(doc: &mut serde_json::Value) {
    use crate::domain::text::REQUIRED_PARAGRAPH_PATTERN;
    use serde_json::json;
    for path in ["/v1/records", "/v1/results"] {
        let pointer = format!(
            "/paths/{}/post/requestBody/content/multipart~1form-data",
            path.replace('/', "~1")
        );
        if let Some(content) = doc.pointer_mut(&pointer) {
            content["encoding"] = json!({"meta": {"contentType": "application/json"}});
        }
    }
    if let Some(body) =
        doc.pointer_mut("/paths/~1v1~1subjects~1{subject_id}~1citizen-links/post/requestBody")
    {
        body["required"] = false.into();
    }
    let schemas = &mut doc["components"]["schemas"];
    if let Some(answer) = schemas.get_mut("VerifyAnswer") {
        let verdict = answer.pointer("/allOf/0/oneOf").and_then(|alternatives| {
            alternatives
                .as_array()?
                .iter()
                .find(|a| a["type"] == "object")
                .cloned()
        });
        if let Some(mut verdict) = verdict {
            verdict["properties"]["match"] = json!({"type": "boolean", "const": true});
            if let Some(required) = verdict["required"].as_array_mut() {
                required.push("match".into());
            }
            let description = answer["description"].clone();
            *answer = json!({
                "description": description,
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["match"],
                        "properties": {"match": {"type": "boolean", "const": false}},
                        "additionalProperties": false,
                    },
                    verdict,
                ],
            });
        }
    }
    if let Some(review) = schemas.get_mut("ReviewRequest") {
        // Confirm with or without a note; reject with one.
        let mut confirm = review.clone();
        confirm["properties"]["decision"] = json!({"type": "string", "const": "confirm"});
        let mut reject = review.clone();
        reject["properties"]["decision"] = json!({"type": "string", "const": "reject"});
        reject["properties"]["note"] = json!({
            "type": "string",
            "pattern": REQUIRED_PARAGRAPH_PATTERN,
            "maxLength": crate::ops::review::MAX_NOTE,
        });
        if let Some(required) = reject["required"].as_array_mut() {
            required.push("note".into());
        }
        // Particulars are confirmed, never rejected.
        if let Some(properties) = reject["properties"].as_object_mut() {
            properties.remove("particulars");
            properties.remove("accept_suggestions");
        }
        let description = review["description"].clone();
        *review = json!({"description": description, "oneOf": [confirm, reject]});
    }
    if let Some(set) = schemas.get_mut("SetValidity") {
        let description = set["description"].clone();
        let note = json!({
            "type": "string",
            "description": "The legal basis, for whoever reads the catalogue next.",
            "pattern": REQUIRED_PARAGRAPH_PATTERN,
            "maxLength": crate::ops::catalogue::MAX_NOTE,
        });
        let variant = |rule: &str| {
            json!({
                "type": "object",
                "required": ["rule", "note"],
                "properties": {"rule": {"type": "string", "const": rule}, "note": note},
            })
        };
        let mut months = variant("months_from_issue");
        months["required"] = json!(["rule", "note", "months"]);
        months["properties"]["months"] = json!({
            "type": "integer",
            "minimum": 1,
            "maximum": crate::domain::validity::MAX_MONTHS,
        });
        *set = json!({
            "description": description,
            "oneOf": [variant("no_expiry"), months, variant("date_on_paper")],
        });
    }
    // `"type": [T, "null"]` as `anyOf`: schemathesis 4.3's coverage phase
    // cannot take a list of types for a formatted string.
    for schema in ["ReuseCheck", "Requirement"] {
        let Some(properties) = schemas
            .pointer_mut(&format!("/{schema}/properties"))
            .and_then(|p| p.as_object_mut())
        else {
            continue;
        };
        for property in properties.values_mut() {
            let Some([kind, null]) = property["type"].as_array().map(|t| t.as_slice()) else {
                continue;
            };
            if null != "null" {
                continue;
            }
            let mut value = property.clone();
            value["type"] = kind.clone();
            if let Some(value) = value.as_object_mut() {
                value.remove("description");
            }
            let description = property["description"].clone();
            *property = json!({"anyOf": [value, {"type": "null"}]});
            if !description.is_null() {
                property["description"] = description;
            }
        }
    }
    if let Some(required) = schemas.pointer_mut("/ReuseCheck/properties/required") {
        required["minItems"] = 1.into();
        required["maxItems"] = crate::ops::reuse::MAX_REQUIRED.into();
    }
    for form in ["VerifyForm", "UploadForm"] {
        if let Some(form) = schemas.get_mut(form) {
            form["additionalProperties"] = false.into();
        }
    }
    if let Some(form) = schemas.get_mut("UploadForm") {
        form["required"] = json!(["meta", "page"]);
        form["properties"]["page"]["minItems"] = 1.into();
    }
    // Inline rather than a `$ref`: schemathesis 4.3 loses a reference met
    // inside a multipart part when it mutates it.
    let kinds: Vec<&str> = crate::domain::DocumentKind::ALL
        .iter()
        .map(|k| k.code())
        .collect();
    for pointer in [
        "/UploadMeta/properties/kind",
        "/Requirement/properties/kind",
    ] {
        if let Some(kind) = schemas.pointer_mut(pointer) {
            let description = kind["description"].clone();
            *kind = json!({"type": "string", "enum": kinds});
            if !description.is_null() {
                kind["description"] = description;
            }
        }
    }
    if let Some(sha) = schemas.pointer_mut("/VerifyBySha256/properties/sha256") {
        let space = crate::domain::text::SPACE_CLASS;
        sha["pattern"] = format!("^[{space}]*[0-9a-fA-F]{{64}}[{space}]*$").into();
    }
}

/// The `meta` part's text rules (one line each, at most
/// `MAX_TEXT_FIELD` characters, a dossier code that parses, a result code
/// of the catalogue's form), and for `POST /v1/results` a schema of its own
/// naming the particulars an issuer must state. What stays in words: dates
/// in order (`valid_until` not before `issued_on`, which is not in the
/// future) and `permanent` not with `valid_until`.
pub(super) fn patch_upload_meta(doc: &mut serde_json::Value, dossier_pattern: &str) {
    use crate::domain::text::{LINE_PATTERN, REQUIRED_LINE_PATTERN};
    use crate::ops::intake::MAX_TEXT_FIELD;
    use serde_json::json;
    let space = crate::domain::text::SPACE_CLASS;
    let schemas = &mut doc["components"]["schemas"];
    let Some(meta) = schemas.get_mut("UploadMeta") else {
        return;
    };
    let text_fields = [
        "procedure_code",
        "document_number",
        "officer",
        "owner_name",
        "issuing_agency",
        "signer",
        "scope",
    ];
    for field in text_fields {
        let property = &mut meta["properties"][field];
        property["pattern"] = LINE_PATTERN.into();
        property["maxLength"] = MAX_TEXT_FIELD.into();
    }
    meta["properties"]["dossier_code"]["pattern"] = dossier_pattern.into();
    meta["properties"]["result_code"]["pattern"] =
        format!("^[{space}]*(?:KQ\\.[A-Z][0-9]{{2}}\\.[0-9]{{6}}[{space}]*)?$").into();
    let upload = meta.clone();
    let mut result = meta.clone();
    for field in ["document_number", "issuing_agency", "signer"] {
        result["properties"][field]["pattern"] = REQUIRED_LINE_PATTERN.into();
    }
    result["properties"]["result_code"]["pattern"] =
        format!("^[{space}]*KQ\\.[A-Z][0-9]{{2}}\\.[0-9]{{6}}[{space}]*$").into();
    result["properties"]["issued_on"] = json!({"type": "string", "format": "date"});
    for field in ["result_code", "document_number", "issuing_agency", "signer"] {
        result["properties"][field]["type"] = "string".into();
    }
    if let Some(required) = result["required"].as_array_mut() {
        for field in [
            "result_code",
            "document_number",
            "issuing_agency",
            "signer",
            "issued_on",
        ] {
            required.push(field.into());
        }
    }
    result["description"] = "The `meta` part of `POST /v1/results`: an upload's, with the particulars an issuer must state.".into();
    schemas["ResultMeta"] = result.clone();
    // The forms hold their `meta` inline, references resolved: schemathesis
    // 4.3 loses a reference inside a multipart part when it mutates it.
    let components = schemas.clone();
    let mut upload_meta = upload;
    inline_refs(&mut upload_meta, &components);
    let mut result_meta = result;
    inline_refs(&mut result_meta, &components);
    if let Some(form) = schemas.get_mut("UploadForm") {
        form["properties"]["meta"] = upload_meta;
    }
    if let Some(form) = schemas.get("UploadForm").cloned() {
        let mut result_form = form;
        result_form["properties"]["meta"] = result_meta;
        schemas["ResultForm"] = result_form;
        let pointer = "/paths/~1v1~1results/post/requestBody/content/multipart~1form-data/schema";
        if let Some(schema) = doc.pointer_mut(pointer) {
            *schema = json!({"$ref": "#/components/schemas/ResultForm"});
        }
    }
}

/// Replaces every `{"$ref": "#/components/schemas/X"}` under `value` by
/// X itself (the document's schemas hold no cycles through these).
fn inline_refs(value: &mut serde_json::Value, schemas: &serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(|r| r.as_str())
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                let mut target = schemas[name].clone();
                inline_refs(&mut target, schemas);
                *value = target;
                return;
            }
            for child in map.values_mut() {
                inline_refs(child, schemas);
            }
        }
        serde_json::Value::Array(items) => {
            for child in items {
                inline_refs(child, schemas);
            }
        }
        _ => {}
    }
}
