package dev.cassandrabackupoperator.icarusnode;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import javax.inject.Provider;
import javax.management.remote.JMXServiceURL;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Inject;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.Stage;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.OptionalBinder;
import com.google.inject.util.Types;
import com.instaclustr.cassandra.CassandraModule;
import com.instaclustr.cassandra.CassandraVersion;
import com.instaclustr.esop.guice.BackuperFactory;
import com.instaclustr.esop.guice.BucketServiceFactory;
import com.instaclustr.esop.guice.RestorerFactory;
import com.instaclustr.esop.guice.StorageModules;
import com.instaclustr.esop.impl.BucketService;
import com.instaclustr.esop.impl._import.ImportModule;
import com.instaclustr.esop.impl.backup.BackupModules;
import com.instaclustr.esop.impl.backup.BackupOperationRequest;
import com.instaclustr.esop.impl.backup.UploadTracker;
import com.instaclustr.esop.impl.backup.coordination.BaseBackupOperationCoordinator;
import com.instaclustr.esop.impl.hash.HashModule;
import com.instaclustr.esop.impl.hash.HashSpec;
import com.instaclustr.esop.impl.list.ListModule;
import com.instaclustr.esop.impl.remove.RemoveBackupModule;
import com.instaclustr.esop.impl.restore.RestorationStrategyResolver;
import com.instaclustr.esop.impl.restore.RestoreModules;
import com.instaclustr.esop.impl.restore.RestoreOperationRequest;
import com.instaclustr.esop.impl.restore.coordination.BaseRestoreOperationCoordinator;
import com.instaclustr.esop.topology.CassandraClusterTopology;
import com.instaclustr.guice.Application;
import com.instaclustr.guice.ServiceManagerModule;
import com.instaclustr.jackson.JacksonModule;
import com.instaclustr.measure.Time;
import com.instaclustr.operations.Operation;
import com.instaclustr.operations.OperationCoordinator;
import com.instaclustr.operations.OperationsModule;
import com.instaclustr.operations.OperationsService;
import com.instaclustr.sidecar.http.JerseyHttpServerModule;
import com.instaclustr.sidecar.picocli.SidecarSpec;
import com.instaclustr.threading.ExecutorsModule;
import com.instaclustr.version.Version;
import com.instaclustr.version.VersionModule;
import jmx.org.apache.cassandra.CassandraJMXConnectionInfo;
import jmx.org.apache.cassandra.service.CassandraJMXService;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.model.Resource;
import org.glassfish.jersey.server.model.ResourceMethod;

/**
 * The real tier of the Icarus contract tests: Icarus itself is not published on Maven Central, but what
 * serves its per-node API is: the REST layer (sidecar-common: OperationsResource, Jersey, the exception
 * mappers) and the backup/restore operations (esop, with instaclustr commons inside). This main wires
 * those real parts the way Icarus does (the same Guice modules in Icarus 2.0.4 and 3.0.0), for per-node
 * requests (globalRequest false, which is all the operator sends): two small coordinators keep Icarus's
 * node-local rules (bucket check and one node-local restore at a time for restores) and refuse global
 * requests, /version answers in Icarus's shape, and /topology[/{dc}] answers as Icarus's TopologyResource
 * does (esop's CassandraClusterTopology over JMX, the JSON of the topology file). See docs/icarus.md.
 *
 * The same source builds against either generation (pom.xml: esop 3.0.1 + sidecar-common 2.0.0 with
 * jakarta Jersey 3 by default, esop 2.0.4 + sidecar-common 1.3.18 with javax Jersey 2 under -Picarus-2):
 * it names no JAX-RS type, so our two resources are built with Jersey's own resource model.
 *
 * Usage: java -cp ... dev.cassandrabackupoperator.icarusnode.NodeSidecarMain [listenHost:port] [jmxHost:port]
 */
public final class NodeSidecarMain {

    public static void main(final String[] args) throws Exception {
        final InetSocketAddress listen = hostPort(args.length > 0 ? args[0] : "127.0.0.1:4567");
        final InetSocketAddress jmx = hostPort(args.length > 1 ? args[1] : "127.0.0.1:7199");

        final SidecarSpec spec = new SidecarSpec();
        spec.httpServerAddress = listen;
        spec.operationsExpirationPeriod = new Time(1L, Time.TimeUnit.HOURS);
        spec.disableCors = false;

        final JMXServiceURL jmxUrl = new JMXServiceURL(
            "service:jmx:rmi:///jndi/rmi://" + jmx.getHostString() + ":" + jmx.getPort() + "/jmxrmi");

        final Version version = buildVersion();

        final List<Module> modules = new ArrayList<>();
        // esop: storage providers, backup/restore operation types, transfer trackers, hashing
        modules.add(new StorageModules());
        modules.add(new BackupModules.BackupModule());          // type "backup"  -> BackupOperationRequest / BackupOperation
        modules.add(new BackupModules.UploadingModule());
        modules.add(new RestoreModules.RestoreModule());        // type "restore" -> RestoreOperationRequest / RestoreOperation
        modules.add(new RestoreModules.RestorationStrategyModule());
        modules.add(new RestoreModules.DownloadingModule());
        modules.add(new HashModule(new HashSpec()));
        // needed so the polymorphic "import": {"type": "import", ...} field of a restore request deserializes
        // (HARDLINKS / IMPORT strategies); also exposes type "import" on /operations, as Icarus does
        modules.add(new ImportModule());
        // further esop operation types Icarus 3.0.0 also exposes; not needed for backup/restore themselves
        modules.add(new BackupModules.CommitlogBackupModule());   // "commitlog-backup"
        modules.add(new RestoreModules.RestoreCommitlogModule()); // "commitlog-restore"
        modules.add(new ListModule());                            // "list"
        modules.add(new RemoveBackupModule());                    // "remove-backup"
        // commons + sidecar-common: services, JMX, operations registry, Jackson, HTTP server
        modules.add(new VersionModule(version));
        modules.add(new ServiceManagerModule());
        modules.add(new CassandraModule(new CassandraJMXConnectionInfo(null, null, null, jmxUrl, null, null, null, null, false)));
        modules.add(new JerseyHttpServerModule(spec.httpServerAddress, spec.disableCors));
        modules.add(new OperationsModule(spec.operationsExpirationPeriod));
        modules.add(new ExecutorsModule());
        modules.add(new JacksonModule());
        // ours: per-node coordinators replacing esop's defaults
        modules.add(new AbstractModule() {
            @Override
            protected void configure() {
                bind(SidecarSpec.class).toInstance(spec);
                OptionalBinder.newOptionalBinder(binder(), coordinatorKey(BackupOperationRequest.class))
                              .setBinding().to(NodeBackupCoordinator.class);
                OptionalBinder.newOptionalBinder(binder(), coordinatorKey(RestoreOperationRequest.class))
                              .setBinding().to(NodeRestoreCoordinator.class);
            }
        });

        final Injector injector = Guice.createInjector(Stage.PRODUCTION, modules);

        // Our own resources: sidecar-common only scans com.instaclustr.* for resources, so register
        // ours explicitly on the (not yet started) Jersey ResourceConfig singleton.
        final com.google.inject.Provider<CassandraVersion> cassandraVersion = injector.getProvider(CassandraVersion.class);
        final CassandraJMXService jmxService = injector.getInstance(CassandraJMXService.class);
        final ObjectMapper mapper = injector.getInstance(ObjectMapper.class);
        injector.getInstance(ResourceConfig.class).registerResources(
            versionResource(version, cassandraVersion),
            topologyResource(jmxService, mapper));

        injector.getInstance(Application.class).call();
    }

    @SuppressWarnings("unchecked")
    private static <T extends com.instaclustr.operations.OperationRequest> TypeLiteral<OperationCoordinator<T>> coordinatorKey(final Class<T> requestType) {
        return (TypeLiteral<OperationCoordinator<T>>) TypeLiteral.get(Types.newParameterizedType(OperationCoordinator.class, requestType));
    }

    private static InetSocketAddress hostPort(final String value) {
        final int colon = value.lastIndexOf(':');
        return new InetSocketAddress(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
    }

    /** Runs a backup of this node only; cluster-wide requests are refused. */
    public static final class NodeBackupCoordinator extends BaseBackupOperationCoordinator {

        @Inject
        public NodeBackupCoordinator(final CassandraJMXService jmx,
                                     final Provider<CassandraVersion> cassandraVersion,
                                     final Map<String, BackuperFactory> backupers,
                                     final Map<String, BucketServiceFactory> bucketServices,
                                     final ObjectMapper mapper,
                                     final UploadTracker uploadTracker,
                                     final HashSpec hashSpec) {
            super(jmx, cassandraVersion, backupers, bucketServices, mapper, uploadTracker, hashSpec);
        }

        @Override
        public void coordinate(final Operation<BackupOperationRequest> operation) {
            if (operation.request.globalRequest) {
                operation.addError(Operation.Error.from(
                    new OperationCoordinatorException("globalRequest=true is not supported by this sidecar; send the request to every node")));
                return;
            }
            super.coordinate(operation);
        }
    }

    /** Restores this node only: bucket must exist, at most one node-local restore at a time, no global requests. */
    public static final class NodeRestoreCoordinator extends BaseRestoreOperationCoordinator {

        private final Map<String, BucketServiceFactory> bucketServices;
        private final OperationsService operations;

        @Inject
        public NodeRestoreCoordinator(final Map<String, RestorerFactory> restorers,
                                      final RestorationStrategyResolver strategyResolver,
                                      final Map<String, BucketServiceFactory> bucketServices,
                                      final OperationsService operations) {
            super(restorers, strategyResolver);
            this.bucketServices = bucketServices;
            this.operations = operations;
        }

        @Override
        public void coordinate(final Operation<RestoreOperationRequest> operation) throws OperationCoordinatorException {
            final RestoreOperationRequest request = operation.request;

            if (request.globalRequest) {
                throw new OperationCoordinatorException("globalRequest=true is not supported by this sidecar; drive the restore phases per node");
            }

            try (BucketService bucketService = bucketServices.get(request.storageLocation.storageProvider).createBucketService(request)) {
                bucketService.checkBucket(request.storageLocation.bucket, false);
            } catch (final Exception ex) {
                throw new OperationCoordinatorException("Bucket " + request.storageLocation.bucket + " is missing or could not be checked", ex);
            }

            for (final UUID other : operations.allRunningOfType("restore")) {
                if (other.equals(operation.id)) {
                    continue;
                }
                final Operation<?> op = operations.operation(other).orElse(null);
                if (op != null && op.request instanceof RestoreOperationRequest && !((RestoreOperationRequest) op.request).globalRequest) {
                    throw new IllegalStateException("Another node-local restore operation (" + other + ") is already running");
                }
            }

            super.coordinate(operation);
        }
    }

    /**
     * What /version answers: `version` from the build (pom.xml's icarus.node.version: our own name with
     * the esop and sidecar-common versions, or the text the Icarus release of that generation answers).
     */
    private static Version buildVersion() throws IOException {
        final Properties build = new Properties();
        try (InputStream in = NodeSidecarMain.class.getResourceAsStream("/icarus-node.properties")) {
            if (in == null) {
                throw new IOException("icarus-node.properties is not on the classpath");
            }
            build.load(in);
        }
        return new Version(build.getProperty("version"), "unknown", "unknown");
    }

    /** GET /version, /version/sidecar, /version/cassandra, as Icarus's VersionResource. */
    static Resource versionResource(final Version version, final com.google.inject.Provider<CassandraVersion> cassandraVersion) {
        final Resource.Builder resource = Resource.builder("/version");
        get(resource).handledBy(request -> version);
        get(resource.addChildResource("sidecar")).handledBy(request -> version);
        get(resource.addChildResource("cassandra")).handledBy(request -> cassandraVersion.get());
        return resource.build();
    }

    /** GET /topology and /topology/{dc}: the ring as Icarus reports it (cluster, schema version, nodes). */
    static Resource topologyResource(final CassandraJMXService jmx, final ObjectMapper mapper) {
        final Resource.Builder resource = Resource.builder("/topology");
        get(resource).handledBy(request -> topology(jmx, mapper, null));
        get(resource.addChildResource("{dc}"))
            .handledBy(request -> topology(jmx, mapper, request.getUriInfo().getPathParameters().getFirst("dc")));
        return resource.build();
    }

    private static String topology(final CassandraJMXService jmx, final ObjectMapper mapper, final String dc) {
        try {
            final CassandraClusterTopology.ClusterTopology topology = new CassandraClusterTopology(jmx, dc).act();
            return CassandraClusterTopology.ClusterTopology.writeToString(mapper, topology);
        } catch (final Exception ex) {
            throw NodeSidecarMain.<RuntimeException>sneaky(ex);
        }
    }

    /**
     * A JSON GET on the resource. Its handler is a lambda: the type of the request it gets (jakarta's or
     * javax's ContainerRequestContext) is never named here.
     */
    private static ResourceMethod.Builder get(final Resource.Builder resource) {
        return resource.addMethod("GET").produces("application/json");
    }

    /** Rethrows a checked exception unchanged, so Jersey's exception mapper sees what esop threw. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(final Throwable t) throws E {
        throw (E) t;
    }
}
