global using Microsoft.Extensions.Time.Testing;
global using Xunit;
global using SqliteMigration = TargetTracking.Linq2Db.Migration;
global using TargetTracking.Linq2Db;
