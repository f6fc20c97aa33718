using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TargetTracking;
using TargetTracking.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers what <c>MapTargetTracking</c> needs.</summary>
public static class AspNetCoreTargetTrackingBuilderExtensions
{
    /// <summary>
    /// Adds the services of the HTTP API that <c>app.MapTargetTracking(prefix)</c> maps: the audit context from the request
    /// (<see cref="IAuditContextAccessor"/>, unless the host registered its own first), problem details for the errors
    /// binding throws (malformed JSON, a wrong type) and for a store still unavailable after the retries (503 with
    /// <c>Retry-After</c>) — the host calls <c>app.UseExceptionHandler()</c> —, the JSON converters of the API's types,
    /// the examples of every OpenAPI document the host adds (<c>AddOpenApi</c>), the background runner of tracked operations (<see cref="TargetTrackingEndpointOptions.RunOperations"/>) and health checks.
    /// Calling it twice does no harm. Options are validated at start-up.
    /// </summary>
    /// <param name="builder">The TargetTracking builder.</param>
    /// <param name="configure">Sets the policies and behaviour of the endpoints.</param>
    /// <returns>The builder.</returns>
    public static TargetTrackingBuilder AddEndpoints(this TargetTrackingBuilder builder, Action<TargetTrackingEndpointOptions>? configure = null)
    {
        Guard.Against.Null(builder);
        var services = builder.Services;
        var options = services.AddOptions<TargetTrackingEndpointOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TargetTrackingEndpointOptions>, EndpointOptionsValidator>());
        services.AddHttpContextAccessor();
        services.TryAddSingleton<IAuditContextAccessor, HttpAuditContextAccessor>();
        services.TryAddSingleton<Preconditions>();
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddHealthChecks();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<JsonOptions>, ApiJson>());

        // Every OpenAPI document of the host (AddOpenApi) shows the API's examples; configured once however often this runs.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<Microsoft.AspNetCore.OpenApi.OpenApiOptions>, ApiExamplesOption>());

        // Binding failures (malformed JSON, an unknown property, a number that is not one) reach ApiExceptionHandler, which
        // answers 400 problem details with a code and the field in every environment, instead of an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.TryAddSingleton<OperationPump>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OperationPump>(sp => sp.GetRequiredService<OperationPump>()));
        return builder;
    }

    private sealed class ApiExamplesOption : IConfigureNamedOptions<Microsoft.AspNetCore.OpenApi.OpenApiOptions>
    {
        public void Configure(string? name, Microsoft.AspNetCore.OpenApi.OpenApiOptions options) => options.AddSchemaTransformer(ApiExamples.TransformAsync);

        public void Configure(Microsoft.AspNetCore.OpenApi.OpenApiOptions options) => Configure(string.Empty, options);
    }

    private sealed class EndpointOptionsValidator : IValidateOptions<TargetTrackingEndpointOptions>
    {
        public ValidateOptionsResult Validate(string? name, TargetTrackingEndpointOptions options)
        {
            var failures = new List<string>();
            if (options.OperationPollInterval <= TimeSpan.Zero)
            {
                failures.Add($"{nameof(TargetTrackingEndpointOptions.OperationPollInterval)} must be above zero.");
            }

            if (options.OperationPauseBetweenBatches < TimeSpan.Zero)
            {
                failures.Add($"{nameof(TargetTrackingEndpointOptions.OperationPauseBetweenBatches)} must be zero or more.");
            }

            failures.AddRange(options.StuckAfter.Where(s => s.Value <= TimeSpan.Zero)
                .Select(s => $"{nameof(TargetTrackingEndpointOptions.StuckAfter)}[{s.Key}] must be above zero."));
            return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
        }
    }
}
