//! `/admin/programs`, `/admin/libraries`, `/admin/users` and their forms.

use reqwest::StatusCode;

use super::{Browser, AUDITOR_EAST, CM_EYM, COORD_EAST};
use crate::helpers::{TestApp, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};
use crate::world::World;

crate::on_both_backends!(
    admin_creates_a_program_a_library_a_membership_and_a_user,
    admin_forms_with_errors_come_back_with_messages_beside_the_fields,
    admin_disables_a_user_and_sets_a_new_password,
    admin_pages_answer_403_to_every_other_role,
);

async fn admin(app: &TestApp) -> Browser {
    Browser::signed_in_with(app, ADMIN_EMAIL, ADMIN_PASSWORD).await
}

async fn admin_creates_a_program_a_library_a_membership_and_a_user(app: TestApp) {
    let browser = admin(&app).await;
    let page = browser
        .post(
            "/admin/programs",
            &[
                ("code", "BTAA"),
                ("name", "Big Ten Academic Alliance"),
                ("uri", "https://btaa.org/shared-print"),
                ("target_copies", "2"),
                ("default_retention_end", "2040-12-31"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    assert_eq!(page.location(), "/admin/programs?done=program");
    browser
        .get(page.location())
        .await
        .shows("The program was created.")
        .shows("BTAA");
    let page = browser
        .post(
            "/admin/libraries",
            &[
                ("name", "University of Iowa Libraries"),
                ("oclc_symbol", "NUI"),
                ("marc_org_code", "IaU"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    browser
        .get("/admin/libraries")
        .await
        .shows("University of Iowa Libraries");
    let token = app.admin_token().await;
    let (_, programs) = app.get("/api/v1/programs", &token).await;
    let program = programs["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, libraries) = app.get("/api/v1/libraries", &token).await;
    let library = libraries["items"][0]["id"].as_str().unwrap().to_owned();
    let page = browser
        .post(
            &format!("/admin/programs/{program}/members"),
            &[("library_id", library.as_str())],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    browser.get("/admin/libraries").await.shows("<td>BTAA</td>");
    let page = browser
        .post(
            "/admin/users",
            &[
                ("email", "cm.nui@uiowa.edu"),
                ("name", "Iowa collections"),
                ("password", PASSWORD),
                ("role", "collection_manager"),
                ("library_id", library.as_str()),
                ("program_ids", program.as_str()),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    browser
        .get("/admin/users")
        .await
        .shows("cm.nui@uiowa.edu")
        .shows("NUI — University of Iowa Libraries");
    // The new user signs in and proposes in BTAA.
    let user = Browser::signed_in(&app, "cm.nui@uiowa.edu").await;
    user.get("/commitments/new").await.shows("BTAA — Big Ten");
}

async fn admin_forms_with_errors_come_back_with_messages_beside_the_fields(app: TestApp) {
    let browser = admin(&app).await;
    let page = browser
        .post(
            "/admin/programs",
            &[("code", "bad code!"), ("name", ""), ("target_copies", "99")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("id=\"code-error\"")
        .shows("id=\"name-error\"")
        .shows("id=\"target_copies-error\"")
        .shows("value=\"bad code!\"");
    let page = browser
        .post(
            "/admin/libraries",
            &[
                ("name", "X"),
                ("oclc_symbol", "toolong"),
                ("marc_org_code", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("id=\"oclc_symbol-error\"")
        .shows("value=\"toolong\"");
    let page = browser
        .post(
            "/admin/users",
            &[
                ("email", "someone@example.org"),
                ("name", "Someone"),
                ("password", "short"),
                ("role", "coordinator"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("id=\"password-error\"")
        .shows("id=\"program_ids-error\"")
        .shows("value=\"someone@example.org\"")
        .shows("<option value=\"coordinator\" selected>");
}

async fn admin_disables_a_user_and_sets_a_new_password(app: TestApp) {
    let world = World::new(app).await;
    let browser = admin(&world.app).await;
    let cm = Browser::signed_in(&world.app, CM_EYM).await;
    let (_, users) = world.app.get("/api/v1/users?limit=100", &world.admin).await;
    let id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == CM_EYM)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = browser
        .post(&format!("/admin/users/{id}"), &[("disabled", "true")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // The user's session has ended.
    assert_eq!(cm.get("/").await.status, StatusCode::SEE_OTHER);
    browser
        .get("/admin/users?done=disabled")
        .await
        .shows("disabled");
    browser
        .post(&format!("/admin/users/{id}"), &[("disabled", "false")])
        .await;
    let page = browser
        .post(&format!("/admin/users/{id}"), &[("password", "short")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows(&format!("id=\"password-{id}-error\""));
    let page = browser
        .post(
            &format!("/admin/users/{id}"),
            &[("password", "a-brand-new-password")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    Browser::signed_in_with(&world.app, CM_EYM, "a-brand-new-password").await;
}

async fn admin_pages_answer_403_to_every_other_role(app: TestApp) {
    let world = World::new(app).await;
    for email in [COORD_EAST, CM_EYM, AUDITOR_EAST] {
        let browser = Browser::signed_in(&world.app, email).await;
        for path in ["/admin/programs", "/admin/libraries", "/admin/users"] {
            let page = browser.get(path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{email} {path}");
            page.shows("only an admin may do this");
            let page = browser.post(path, &[("code", "X"), ("name", "X")]).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{email} POST {path}");
        }
    }
    let (_, programs) = world.app.get("/api/v1/programs", &world.admin).await;
    assert_eq!(programs["items"].as_array().unwrap().len(), 2);
}
