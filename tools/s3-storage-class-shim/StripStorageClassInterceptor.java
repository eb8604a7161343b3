package dev.cassandrabackupoperator.testtier;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * TEST TIER ONLY, for MinIO; never part of what the operator or a deployed Icarus runs.
 *
 * esop 3.0.1 sends every PutObject (manifests, topology files; data files go as multipart uploads
 * without a class) with `x-amz-storage-class: STANDARD_IA` (BaseS3Backuper.getPutObjectRequest), which
 * Amazon S3 accepts and MinIO refuses with 400 InvalidStorageClass before anything else (MinIO knows only
 * STANDARD and REDUCED_REDUNDANCY). This interceptor drops that one
 * header, before the request is signed, for the buckets named in the system property
 * `cbo.testtier.s3.dropStorageClassBuckets` (comma-separated) and for no other, so that the rest of
 * esop's real S3 path (SigV4 with the environment's credentials, virtual-host addressing, uploads,
 * manifests, downloads) is proven against a real S3 server, while a bucket not named shows MinIO's
 * refusal of the unmodified request. The AWS SDK loads it from the classpath resource
 * software/amazon/awssdk/services/s3/execution.interceptors, which only the real tier's cloud-storage
 * test puts on the sidecar's classpath. See docs/icarus.md, "Cloud storage on the real tier".
 */
public final class StripStorageClassInterceptor implements ExecutionInterceptor {

    private static final String HEADER = "x-amz-storage-class";

    private final Set<String> buckets = Arrays.stream(System.getProperty("cbo.testtier.s3.dropStorageClassBuckets", "").split(","))
                                              .map(String::trim)
                                              .filter(b -> !b.isEmpty())
                                              .collect(Collectors.toSet());

    @Override
    public SdkHttpRequest modifyHttpRequest(final Context.ModifyHttpRequest context,
                                            final ExecutionAttributes executionAttributes) {
        final SdkHttpRequest request = context.httpRequest();
        if (!request.firstMatchingHeader(HEADER).isPresent()) {
            return request;
        }
        final String host = request.host();
        final String bucket = host.contains(".") ? host.substring(0, host.indexOf('.')) : "";
        if (!buckets.contains(bucket)) {
            return request;
        }
        return request.toBuilder().removeHeader(HEADER).build();
    }
}
