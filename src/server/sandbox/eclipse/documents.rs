//! The document endpoints: `POST …/customers/{c}/documents` creates a
//! document (an AWS hosted liveness session for `aws/liveness`) and
//! `PUT …/documents/{id}` reads its result.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::auth::authorise;
use super::results::Outcome;
use super::state::{seed_landing_url, Document};
use super::{
    customer_not_found, error, parse_body, valid_customer_id, SEED_LIVENESS_POST_RESPONSE,
    SEED_LIVENESS_PUT_RESPONSE,
};
use crate::server::sandbox::scenarios::eclipse_ids as ids;
use crate::server::sandbox::{json_response, random_hex, seed_json, uuid_v4, Sandbox};

fn host(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string()
}

/// Builds a JSON-encoded string with keys in the given order (as Eclipse does).
fn ordered_json_string(pairs: &[(&str, &str)]) -> String {
    let fields: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}:{}", json!(k), json!(v)))
        .collect();
    format!("{{{}}}", fields.join(","))
}

pub(super) async fn create(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, customer_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) =
        authorise(&sandbox, &headers, &tenant_id).and_then(|()| valid_customer_id(&customer_id))
    {
        return response;
    }
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let document_type = body.get("documentType").and_then(Value::as_str);
    let media_type = body.get("mediaType").and_then(Value::as_str);
    let (Some(document_type), Some(media_type)) = (document_type, media_type) else {
        return error(
            StatusCode::BAD_REQUEST,
            "VAL001",
            "documentType and mediaType are required",
        );
    };
    let completion_params = headers
        .get("completionUrlParams")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let host = host(&headers);
    let mut state = sandbox.state();
    state.eclipse.admit_walk_in(&tenant_id, &customer_id);
    if !state
        .eclipse
        .customers
        .contains_key(&(tenant_id.clone(), customer_id.clone()))
    {
        return customer_not_found();
    }
    let customer_number = customer_id.parse::<u64>().unwrap_or(0);

    if media_type != "aws/liveness" {
        let document_id = state.eclipse.next_document_id;
        state.eclipse.next_document_id += 1;
        state.eclipse.documents.insert(
            document_id,
            Document {
                tenant_id,
                customer_id,
                document_type: document_type.into(),
                media_type: media_type.into(),
                landing_url: None,
                aws_session_id: None,
                result: None,
                seed: false,
            },
        );
        let mut response = json!({
            "documentId": document_id,
            "documentType": document_type,
            "customerId": customer_number,
            "mediaType": media_type,
        });
        if let (Some(object), Some(extra)) = (response.as_object_mut(), body.get("extraInfo")) {
            object.insert("extraInfo".into(), extra.clone());
        }
        return json_response(StatusCode::CREATED, &response);
    }

    if document_type != "FACIAL_PHOTO" {
        return error(
            StatusCode::BAD_REQUEST,
            "VAL001",
            "aws/liveness requires documentType FACIAL_PHOTO",
        );
    }
    let landing_url = body
        .get("extraInfo")
        .and_then(Value::as_str)
        .and_then(|extra| serde_json::from_str::<Value>(extra).ok())
        .and_then(|extra| {
            extra
                .get("landingUrl")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    let Some(landing_url) = landing_url else {
        return error(
            StatusCode::BAD_REQUEST,
            "VAL001",
            "extraInfo must be a JSON string holding landingUrl",
        );
    };

    // The seed's own request for the seed customer gets the seed's own answer.
    if tenant_id == ids::TENANT
        && customer_id == ids::CLEAN_PASS
        && Some(&landing_url) == seed_landing_url().as_ref()
    {
        let mut response = seed_json(SEED_LIVENESS_POST_RESPONSE);
        if let Some(params) = completion_params {
            append_completion_params(&mut response, &params);
        }
        return json_response(StatusCode::CREATED, &response);
    }

    let document_id = state.eclipse.next_document_id;
    state.eclipse.next_document_id += 1;
    let aws_session_id = uuid_v4();
    let code = random_hex(4);
    let mut completion_url = format!("http://{host}/__sandbox/eclipse/liveness/{code}");
    if let Some(params) = &completion_params {
        completion_url.push('&');
        completion_url.push_str(params);
    }
    state.eclipse.completions.insert(code, landing_url.clone());
    state.eclipse.documents.insert(
        document_id,
        Document {
            tenant_id,
            customer_id,
            document_type: document_type.into(),
            media_type: media_type.into(),
            landing_url: Some(landing_url.clone()),
            aws_session_id: Some(aws_session_id.clone()),
            result: None,
            seed: false,
        },
    );
    let extra_info = ordered_json_string(&[
        ("landingUrl", &landing_url),
        ("awsLivenessSessionId", &aws_session_id),
        ("completionUrl", &completion_url),
    ]);
    json_response(
        StatusCode::CREATED,
        &json!({
            "documentId": document_id,
            "documentType": "FACIAL_PHOTO",
            "customerId": customer_number,
            "mediaType": "aws/liveness",
            "extraInfo": extra_info,
            "awsFaceLivenessSessionId": aws_session_id,
        }),
    )
}

/// Eclipse appends the `completionUrlParams` header after an `&`.
fn append_completion_params(response: &mut Value, params: &str) {
    let Some(extra) = response.get("extraInfo").and_then(Value::as_str) else {
        return;
    };
    let Ok(mut extra) = serde_json::from_str::<Map<String, Value>>(extra) else {
        return;
    };
    if let Some(Value::String(url)) = extra.get_mut("completionUrl") {
        url.push('&');
        url.push_str(params);
    }
    let landing = extra
        .get("landingUrl")
        .and_then(Value::as_str)
        .unwrap_or("");
    let session = extra
        .get("awsLivenessSessionId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let completion = extra
        .get("completionUrl")
        .and_then(Value::as_str)
        .unwrap_or("");
    let encoded = ordered_json_string(&[
        ("landingUrl", landing),
        ("awsLivenessSessionId", session),
        ("completionUrl", completion),
    ]);
    if let Some(object) = response.as_object_mut() {
        object.insert("extraInfo".into(), json!(encoded));
    }
}

pub(super) async fn update(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, document_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = authorise(&sandbox, &headers, &tenant_id) {
        return response;
    }
    let Ok(document_id) = document_id.parse::<u64>() else {
        return error(
            StatusCode::BAD_REQUEST,
            "NFE001",
            &format!("Invalid documentId: {document_id}"),
        );
    };
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    if let Some(given) = body.get("documentId").and_then(Value::as_u64) {
        if given != document_id {
            return error(
                StatusCode::BAD_REQUEST,
                "VAL001",
                "documentId in the body does not match the path",
            );
        }
    }
    let mut guard = sandbox.state();
    let state = &mut guard.eclipse;
    let not_found = || error(StatusCode::NOT_FOUND, "IAE002", "Document not found");
    let Some(document) = state.documents.get_mut(&document_id) else {
        return not_found();
    };
    if document.tenant_id != tenant_id {
        return not_found();
    }
    if let Some(result) = &document.result {
        return json_response(StatusCode::OK, result);
    }
    let customer_number = document.customer_id.parse::<u64>().unwrap_or(0);
    if document.media_type != "aws/liveness" {
        let result = json!({
            "documentId": document_id,
            "documentType": document.document_type,
            "customerId": customer_number,
            "mediaType": document.media_type,
        });
        return json_response(StatusCode::OK, &result);
    }
    let result = if document.seed {
        seed_json(SEED_LIVENESS_PUT_RESPONSE)
    } else {
        let customer = state
            .customers
            .get_mut(&(document.tenant_id.clone(), document.customer_id.clone()));
        // A liveness-failure customer fails its first liveness, then passes.
        let (outcome, score) = match customer {
            Some(customer) => {
                let fail =
                    customer.outcome == Outcome::LivenessFailure && customer.liveness_results == 0;
                customer.liveness_results += 1;
                if fail {
                    ("FAILED", "31.20")
                } else {
                    customer.liveness_passed = true;
                    ("SUCCEEDED", "88.41")
                }
            }
            None => ("SUCCEEDED", "75.73"),
        };
        let extra_info = ordered_json_string(&[
            ("AwsFaceLivenessResult", outcome),
            ("AwsFaceLivenessScore", score),
            ("landingUrl", document.landing_url.as_deref().unwrap_or("")),
            (
                "awsLivenessSessionId",
                document.aws_session_id.as_deref().unwrap_or(""),
            ),
        ]);
        json!({
            "documentId": document_id,
            "documentType": document.document_type,
            "customerId": customer_number,
            "mediaType": "image/jpeg",
            "extraInfo": extra_info,
        })
    };
    document.result = Some(result.clone());
    json_response(StatusCode::OK, &result)
}
