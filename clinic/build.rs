fn main() {
    // The migrations are compiled into the binary (sqlx::migrate!): a new one must rebuild it.
    println!("cargo:rerun-if-changed=../migrations");
}
