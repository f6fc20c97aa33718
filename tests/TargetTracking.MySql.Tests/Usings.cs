global using Microsoft.Extensions.Time.Testing;
global using Xunit;
global using TargetTracking.Linq2Db;
