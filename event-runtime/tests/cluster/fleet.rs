//! The fleet registry on a Redis Cluster: two types, whose streams live in different slots,
//! registered by a publisher and a subscriber, and read back (every command names one key;
//! a type's registry keys share its stream's slot through their hash tag).

use event_runtime::fleet::{FleetReader, Readable};
use event_runtime::wire::{registry_key, registry_schemas_key, stream_key};
use event_runtime::{Publisher, Registry, Subscriber};
use redis::cluster_routing::Slot;

use crate::support::{Alpha, Beta, config, start_cluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_types_register_and_the_fleet_reads_back() {
    for event_type in ["cluster.alpha", "cluster.beta"] {
        let slot = Slot::for_key(stream_key(event_type));
        assert_eq!(Slot::for_key(registry_key(event_type)), slot);
        assert_eq!(Slot::for_key(registry_schemas_key(event_type)), slot);
    }
    assert_ne!(
        Slot::for_key(stream_key("cluster.alpha")),
        Slot::for_key(stream_key("cluster.beta")),
        "the two types must test two slots"
    );
    let cluster = start_cluster();
    let config = config(&cluster);
    let publisher = Publisher::new(&config).await.expect("publisher");
    publisher
        .register(&Registry::new().with::<Alpha>().with::<Beta>())
        .await
        .expect("registered");
    let _subscriber = Subscriber::builder(&config)
        .on(|_: Alpha| async { Ok(()) })
        .on(|_: Beta| async { Ok(()) })
        .build()
        .await
        .expect("subscriber");
    let reader = FleetReader::connect(&config).await.expect("reader");
    assert_eq!(
        reader.types().await.expect("types"),
        ["cluster.alpha", "cluster.beta"]
    );
    let fleet = reader.read().await.expect("fleet");
    for event_type in ["cluster.alpha", "cluster.beta"] {
        let view = &fleet.types[event_type];
        assert_eq!(view.produced_versions(), [1], "{view:?}");
        assert_eq!(view.groups.len(), 1, "{view:?}");
        assert_eq!(view.groups[0].reads, Readable::UpTo(1));
        assert_eq!(view.groups[0].lag, Some(0));
        assert!(view.disagreements.is_empty());
        let fingerprint = view.producers[0].record.fingerprints.get(&1);
        assert!(fingerprint.is_some_and(|fp| fp.len() == 64), "{view:?}");
    }
}
