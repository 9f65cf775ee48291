//! Diesel's view of the tables in `migrations/`, in types both backends share.

diesel::table! {
    programs (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        uri -> Nullable<Text>,
        target_copies -> Integer,
        default_retention_end -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    libraries (id) {
        id -> Text,
        name -> Text,
        oclc_symbol -> Text,
        marc_org_code -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    program_members (program_id, library_id) {
        program_id -> Text,
        library_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        library_id -> Nullable<Text>,
        disabled -> Bool,
        token_version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_programs (user_id, program_id) {
        user_id -> Text,
        program_id -> Text,
    }
}

diesel::table! {
    titles (id) {
        id -> Text,
        oclc_number -> BigInt,
        isbn -> Nullable<Text>,
        issn -> Nullable<Text>,
        title -> Text,
        author -> Nullable<Text>,
        publisher -> Nullable<Text>,
        pub_year -> Nullable<Integer>,
        format -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        import_id -> Nullable<Text>,
    }
}

diesel::table! {
    commitments (id) {
        id -> Text,
        program_id -> Text,
        library_id -> Text,
        title_id -> Text,
        status -> Text,
        version -> Integer,
        proposed_by -> Nullable<Text>,
        proposed_by_role -> Text,
        local_bib_id -> Nullable<Text>,
        local_item_id -> Nullable<Text>,
        barcode -> Nullable<Text>,
        call_number -> Nullable<Text>,
        materials_specified -> Nullable<Text>,
        shelving -> Nullable<Text>,
        item_condition -> Nullable<Text>,
        validation -> Nullable<Text>,
        policies -> Text,
        retention_start -> Date,
        retention_end -> Nullable<Date>,
        renewal_proposed_end -> Nullable<Text>,
        public_note -> Nullable<Text>,
        private_note -> Nullable<Text>,
        end_reason -> Nullable<Text>,
        ended_at -> Nullable<Timestamp>,
        replaces -> Nullable<Text>,
        replaced_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        program_note -> Nullable<Text>,
        validation_note -> Nullable<Text>,
        import_id -> Nullable<Text>,
    }
}

diesel::table! {
    title_aliases (oclc_number) {
        oclc_number -> BigInt,
        title_id -> Text,
        created_at -> Timestamp,
        import_id -> Nullable<Text>,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        action -> Text,
        subject_type -> Text,
        subject_id -> Text,
        program_id -> Nullable<Text>,
        commitment_id -> Nullable<Text>,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        details -> Text,
        prev_hash -> Text,
        hash -> Text,
        import_id -> Nullable<Text>,
    }
}

diesel::table! {
    imports (id) {
        id -> Text,
        program_id -> Text,
        library_id -> Text,
        actor_id -> Nullable<Text>,
        format -> Text,
        state -> Text,
        rows_stored -> BigInt,
        started_at -> Timestamp,
        heartbeat_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    job_runs (job, day) {
        job -> Text,
        day -> Date,
        instance -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        processed -> Nullable<BigInt>,
    }
}

diesel::table! {
    holdings (library_id, generation, title_id) {
        library_id -> Text,
        generation -> BigInt,
        title_id -> Text,
        shelving -> Nullable<Text>,
        local_bib_id -> Nullable<Text>,
    }
}

diesel::table! {
    holdings_sets (library_id) {
        library_id -> Text,
        generation -> BigInt,
        next_generation -> BigInt,
        titles -> BigInt,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    scenarios (id) {
        id -> Text,
        program_id -> Text,
        name -> Text,
        status -> Text,
        rules -> Text,
        allocations -> BigInt,
        titles_left_short -> BigInt,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        applied_at -> Nullable<Timestamp>,
        ready -> Bool,
    }
}

diesel::table! {
    scenario_allocations (scenario_id, oclc_number, library_id) {
        scenario_id -> Text,
        oclc_number -> BigInt,
        title_id -> Text,
        library_id -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        last_seq -> BigInt,
        last_hash -> Text,
    }
}

diesel::joinable!(program_members -> programs (program_id));
diesel::joinable!(program_members -> libraries (library_id));
diesel::joinable!(users -> libraries (library_id));
diesel::joinable!(user_programs -> users (user_id));
diesel::joinable!(user_programs -> programs (program_id));
diesel::joinable!(commitments -> programs (program_id));
diesel::joinable!(commitments -> libraries (library_id));
diesel::joinable!(commitments -> titles (title_id));
diesel::joinable!(title_aliases -> titles (title_id));
diesel::joinable!(holdings -> titles (title_id));
diesel::joinable!(holdings -> libraries (library_id));
diesel::joinable!(scenario_allocations -> scenarios (scenario_id));
diesel::joinable!(scenario_allocations -> titles (title_id));
diesel::joinable!(scenario_allocations -> libraries (library_id));
diesel::joinable!(scenarios -> programs (program_id));

diesel::allow_tables_to_appear_in_same_query!(
    programs,
    libraries,
    program_members,
    users,
    user_programs,
    titles,
    title_aliases,
    commitments,
    audit_events,
    audit_head,
    imports,
    job_runs,
    holdings,
    holdings_sets,
    scenarios,
    scenario_allocations,
);
