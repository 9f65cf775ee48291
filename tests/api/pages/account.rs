//! `GET /account` and `POST /account/password`.

use reqwest::StatusCode;

use super::{Browser, CM_EYM};
use crate::helpers::{TestApp, PASSWORD};
use crate::world::World;

crate::on_both_backends!(
    changing_ones_password_ends_other_sessions_and_keeps_this_one,
    a_wrong_current_password_is_shown_beside_its_field,
);

async fn changing_ones_password_ends_other_sessions_and_keeps_this_one(app: TestApp) {
    let world = World::new(app).await;
    let browser = Browser::signed_in(&world.app, CM_EYM).await;
    let other = Browser::signed_in(&world.app, CM_EYM).await;
    let page = browser
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "my-new-long-password"),
                ("new_password_again", "my-new-long-password"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    page.shows("Your password was changed");
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    assert_eq!(other.get("/").await.status, StatusCode::SEE_OTHER);
    Browser::signed_in_with(&world.app, CM_EYM, "my-new-long-password").await;
}

async fn a_wrong_current_password_is_shown_beside_its_field(app: TestApp) {
    let world = World::new(app).await;
    let browser = Browser::signed_in(&world.app, CM_EYM).await;
    let page = browser
        .post(
            "/account/password",
            &[
                ("current_password", "not-my-password"),
                ("new_password", "my-new-long-password"),
                ("new_password_again", "my-new-long-password"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("id=\"current_password-error\"")
        .shows("the current password is not correct");
    let page = browser
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "my-new-long-password"),
                ("new_password_again", "something-else-entirely"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("the two new passwords differ");
}
