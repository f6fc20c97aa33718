using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace TargetTracking.EntityFrameworkCore.Tests;

/// <summary>
/// Target changes inside a host's EF Core transaction, on every database the package supports: the host's entities and
/// the target changes (single, bulk, links) commit together or roll back together; a failing SaveChanges leaves no
/// target change; the library never commits the host's transaction; a typed error leaves it usable.
/// </summary>
/// <typeparam name="TFixture">The database's fixture.</typeparam>
public abstract class DbContextTransactionConformance<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : class, IEfDatabaseFixture
{
    private static readonly AuditContext Host = new() { ActorId = "shop-1", ActorName = "Shop" };

    private sealed record Setup(EfDatabase Database, TargetTracker Tracker, DbContextTargetTracking Targets);

    private async Task<Setup> SetUpAsync()
    {
        var database = await fixture.CreateAsync();
        var tracker = new TargetTracker(database.Store, new TargetTrackingOptions());
        return new Setup(database, tracker, new DbContextTargetTracking(tracker, database.Store));
    }

    private static async Task<int> CountInvoicesAsync(Setup setup, Guid deal)
    {
        await using var db = setup.Database.NewContext();
        return await db.Invoices.CountAsync(i => i.DealId == deal);
    }

    private static async Task<Target?> ReadAsync(TargetTracker tracker, TargetId id) => await tracker.GetAsync(id) is { IsSuccess: true } read ? read.Value : null;

    [Fact]
    public async Task Commit_KeepsTheHostsEntities_AndTheTargetChanges()
    {
        var setup = await SetUpAsync();
        var deal = (await setup.Tracker.CreateAsync(new NewTarget("Acme", Status: "Hot"), Host)).Value!;

        var closed = await DocsSamples.CloseWithInvoiceAsync(
            setup.Database.NewContext, setup.Targets, deal.Id, deal.Version, new Invoice { DealId = deal.Id.Value, Number = "INV-" + Guid.NewGuid().ToString("N")[..8], Amount = 1200m });

        Assert.True(closed.IsSuccess);
        var stored = await ReadAsync(setup.Tracker, deal.Id);
        Assert.Equal(("Closed", 2L), (stored?.Status, stored?.Version ?? 0));
        Assert.Equal(1, await CountInvoicesAsync(setup, deal.Id.Value));
        var history = await setup.Tracker.GetHistoryAsync(deal.Id);
        Assert.Equal([HistoryAction.StatusChanged, HistoryAction.Created], history.Select(h => h.Action));
    }

    [Fact]
    public async Task InsideTheTransaction_TheTrackerSeesItsOwnChanges_AndNobodyElseDoes_UntilTheCommit()
    {
        var setup = await SetUpAsync();
        await using var db = setup.Database.NewContext();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var inside = setup.Targets.Tracker(db);
        var created = (await inside.CreateAsync(new NewTarget("Uncommitted", Status: "Cold"), Host)).Value!;
        db.Invoices.Add(new Invoice { DealId = created.Id.Value, Number = "INV-" + Guid.NewGuid().ToString("N")[..8] });
        await db.SaveChangesAsync();

        Assert.Equal("Cold", (await ReadAsync(inside, created.Id))?.Status);
        Assert.Equal(1, await db.Invoices.CountAsync(i => i.DealId == created.Id.Value));
        Assert.Null(await ReadAsync(setup.Tracker, created.Id));

        await transaction.CommitAsync();
        Assert.Equal("Cold", (await ReadAsync(setup.Tracker, created.Id))?.Status);
        Assert.Equal(1, await CountInvoicesAsync(setup, created.Id.Value));
    }

    [Fact]
    public async Task Rollback_RemovesTheHostsEntities_AndTheTargetChanges_SingleBulkAndLinks()
    {
        var setup = await SetUpAsync();
        var existing = (await setup.Tracker.CreateAsync(new NewTarget("Existing", Status: "Cold"), Host)).Value!;
        var goal = (await new HierarchyTracker(setup.Tracker).CreateAsync(HierarchyKind.Goal, new HierarchyItemFields { Title = "Q3" })).Value!;
        TargetId created;
        await using (var db = setup.Database.NewContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var inside = setup.Targets.Tracker(db);
            created = (await inside.CreateAsync(new NewTarget("Rolled back"), Host)).Value!.Id;
            var bulk = inside.BeginBulk();
            bulk.ChangeStatus(existing.Id, existing.Version, "Active");
            bulk.Create(new NewTarget("Also rolled back"));
            Assert.True((await bulk.CommitAsync(BulkMode.AllOrNothing, Host)).Succeeded);
            Assert.Null((await setup.Targets.Hierarchy(db).LinkAsync(existing.Id, goal.Id)).Error);
            db.Invoices.Add(new Invoice { DealId = existing.Id.Value, Number = "INV-" + Guid.NewGuid().ToString("N")[..8] });
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        }

        Assert.Null(await ReadAsync(setup.Tracker, created));
        Assert.Empty(await setup.Tracker.GetHistoryAsync(created));
        var after = await ReadAsync(setup.Tracker, existing.Id);
        Assert.Equal(("Cold", existing.Version), (after?.Status, after?.Version ?? 0));
        Assert.Single(await setup.Tracker.GetHistoryAsync(existing.Id));
        Assert.Equal(1, (await setup.Tracker.QueryAsync()).TotalCount);
        Assert.Equal(0, await CountInvoicesAsync(setup, existing.Id.Value));
        var tree = await new HierarchyTracker(setup.Tracker).GetTreeAsync(goal.Id, 0, 10);
        Assert.True(tree.IsSuccess);
        Assert.Empty(tree.Value.Outcomes);
    }

    [Fact]
    public async Task AFailingSaveChanges_LeavesNoTargetChange()
    {
        var setup = await SetUpAsync();
        var deal = (await setup.Tracker.CreateAsync(new NewTarget("Acme", Status: "Hot"), Host)).Value!;
        var number = "INV-" + Guid.NewGuid().ToString("N")[..8];
        await using (var db = setup.Database.NewContext())
        {
            db.Invoices.Add(new Invoice { DealId = Guid.NewGuid(), Number = number });
            await db.SaveChangesAsync();
        }

        await using (var db = setup.Database.NewContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            Assert.True((await setup.Targets.Tracker(db).ChangeStatusAsync(deal.Id, deal.Version, "Closed", Host)).IsSuccess);
            db.Invoices.Add(new Invoice { DealId = deal.Id.Value, Number = number }); // the number is taken: SaveChanges fails
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());

            // The host never commits; disposing its transaction rolls the target change back.
        }

        var after = await ReadAsync(setup.Tracker, deal.Id);
        Assert.Equal(("Hot", deal.Version), (after?.Status, after?.Version ?? 0));
        Assert.Single(await setup.Tracker.GetHistoryAsync(deal.Id));
        Assert.Equal(0, await CountInvoicesAsync(setup, deal.Id.Value));
    }

    [Fact]
    public async Task TheLibrary_NeverCommitsTheHostsTransaction()
    {
        var setup = await SetUpAsync();
        var deal = (await setup.Tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"), Host)).Value!;
        await using (var db = setup.Database.NewContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var inside = setup.Targets.Tracker(db);
            Assert.True((await inside.ChangeStatusAsync(deal.Id, deal.Version, "Active", Host)).IsSuccess);
            var bulk = inside.BeginBulk();
            bulk.ChangeStatus(deal.Id, deal.Version + 1, "Hot");
            Assert.True((await bulk.CommitAsync(BulkMode.AllOrNothing, Host)).Succeeded);

            // Still the host's open transaction: EF Core can go on using it.
            Assert.Same(transaction, db.Database.CurrentTransaction);
            db.Invoices.Add(new Invoice { DealId = deal.Id.Value, Number = "INV-" + Guid.NewGuid().ToString("N")[..8] });
            await db.SaveChangesAsync();
        }

        var after = await ReadAsync(setup.Tracker, deal.Id);
        Assert.Equal(("Cold", deal.Version), (after?.Status, after?.Version ?? 0));
        Assert.Equal(0, await CountInvoicesAsync(setup, deal.Id.Value));
    }

    [Fact]
    public async Task TypedErrors_LeaveTheHostsTransactionUsable()
    {
        var setup = await SetUpAsync();
        var deal = (await setup.Tracker.CreateAsync(new NewTarget("Acme", Status: "Cold"), Host)).Value!;
        await using (var db = setup.Database.NewContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var inside = setup.Targets.Tracker(db);
            Assert.IsType<VersionConflictError>((await inside.ChangeStatusAsync(deal.Id, 7, "Active", Host)).Error);
            Assert.IsType<TransitionNotAllowedError>((await inside.ChangeStatusAsync(deal.Id, deal.Version, "Closed", Host)).Error);
            Assert.IsType<NotFoundError>((await inside.ChangeStatusAsync(new TargetId(Guid.CreateVersion7()), 1, "Active", Host)).Error);
            db.Invoices.Add(new Invoice { DealId = deal.Id.Value, Number = "INV-" + Guid.NewGuid().ToString("N")[..8] });
            await db.SaveChangesAsync();
            Assert.True((await inside.ChangeStatusAsync(deal.Id, deal.Version, "Active", Host)).IsSuccess);
            await transaction.CommitAsync();
        }

        Assert.Equal("Active", (await ReadAsync(setup.Tracker, deal.Id))?.Status);
        Assert.Equal(1, await CountInvoicesAsync(setup, deal.Id.Value));
    }

    [Fact]
    public async Task AContextWithoutATransaction_IsRefused_WithWhatToDo()
    {
        var setup = await SetUpAsync();
        await using var db = setup.Database.NewContext();
        var refused = Assert.Throws<InvalidOperationException>(() => setup.Targets.Tracker(db));
        Assert.Contains("BeginTransactionAsync", refused.Message, StringComparison.Ordinal);
    }
}
