//! `store-sql DATA_DIR SQL`: runs SQL on the store of the desk whose data folder is DATA_DIR, with
//! the key that desk's OS keyring holds (as anyone at the desk's OS account could), and prints
//! what it found as the sqlite3 tool does. The end-to-end tests read the running app's store with
//! it (the store is encrypted: sqlite3 reads nothing of it).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data_dir, sql] = args.as_slice() else {
        eprintln!("usage: store-sql DATA_DIR SQL");
        std::process::exit(2);
    };
    let data_dir = std::path::PathBuf::from(data_dir);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let out = runtime.block_on(async {
        let key = podoclinic_desk::store::key::kept_in_keyring(&data_dir)
            .await
            .expect("the desk's keyring answers")
            .expect("the desk's keyring holds its store key");
        podoclinic_tests::store_sql(&data_dir.join("store"), &key, sql).await
    });
    println!("{out}");
}
